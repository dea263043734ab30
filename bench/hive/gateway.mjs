/**
 * Hive Gateway (`@graphql-hive/gateway`) with its router runtime (`@graphql-hive/router-runtime`:
 * Hive Router's Rust query planner and its plan executor), over the same supergraph and
 * subgraphs as ours, for `npm run bench` only. Its packages live in `bench/hive/package.json`
 * (pinned) and are installed on demand into `bench/hive/node_modules`, not in the project's
 * dependencies.
 *
 * Run as `node --import tsx bench/hive/gateway.mjs` (tsx only to import the project's assertion
 * signing). One process on `node:http`, as the Hive Gateway CLI serves without uWebSockets.js;
 * default settings otherwise. Like `bench/stock-gateway.ts`, the only addition is what our
 * subgraphs demand of any caller: a pre-signed `x-gateway-assertion` header on every subgraph
 * fetch (renewed every 30 s), the member's when the request has an `Authorization` header
 * (unchecked: a shortcut that only favours this baseline), else the anonymous one.
 */
import fs from 'node:fs';
import { createServer } from 'node:http';
import { setInterval } from 'node:timers';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { readAssertionKey } from '../../subgraphs/kit/config.ts';
import { ANONYMOUS, ASSERTION_HEADER, signAssertion } from '../../subgraphs/kit/identity.ts';

// As in bench/stock-gateway.ts: no source-mapped stack traces, as under plain Node in production
// (tsx turns them on for the whole process).
process.setSourceMapsEnabled(false);

const secret = readAssertionKey(process.env, 'development');
const member = process.env.STOCK_MEMBER_IDENTITY ? JSON.parse(process.env.STOCK_MEMBER_IDENTITY) : undefined;
const assertions = { anonymous: '', member: '' };
const renew = async () => {
  assertions.anonymous = await signAssertion(ANONYMOUS, secret);
  if (member) assertions.member = await signAssertion(member, secret);
};
await renew();
setInterval(() => void renew(), 30_000).unref();

// Subgraph URLs from SUBGRAPH_<NAME>_URL, as our gateway and the stock one read them.
// HIVE_DEDUPE=false turns off the HTTP transport's in-flight deduplication of identical
// subgraph queries (on by default), as SUBGRAPH_DEDUPE=false does in ours.
const transportOptions = { deduplicateInflightRequests: process.env.HIVE_DEDUPE !== 'false' };
const transportEntries = {};
for (const [name, value] of Object.entries(process.env)) {
  const match = /^SUBGRAPH_([A-Z0-9_]+)_URL$/.exec(name);
  if (match && value) transportEntries[match[1].toLowerCase()] = { location: value, options: transportOptions };
}

/** Adds the assertion to every subgraph fetch that serves a client request. */
const assertionPlugin = {
  onFetch({ context, options, setOptions }) {
    const authorization = context && 'request' in context ? context.request.headers.get('authorization') : null;
    const value = authorization && assertions.member ? assertions.member : assertions.anonymous;
    setOptions({ ...options, headers: { ...options.headers, [ASSERTION_HEADER]: value } });
  },
};

const supergraph = process.env.SUPERGRAPH_PATH ?? 'schema/supergraph.graphql';
// Fail fast on a missing supergraph, instead of on the first request.
fs.accessSync(supergraph);
const gateway = createGatewayRuntime({
  supergraph,
  unifiedGraphHandler,
  transportEntries,
  plugins: () => [assertionPlugin],
  logging: 'warn',
  landingPage: false,
  graphiql: false,
});

const server = createServer(gateway);
const port = Number(process.env.PORT ?? 4200);
server.listen(port, '127.0.0.1', () => process.stdout.write(`hive gateway ready at http://127.0.0.1:${port}\n`));
process.once('SIGTERM', () => {
  server.close();
  void gateway.dispose().then(() => process.exit(0));
});
