/**
 * The baseline: a stock Node gateway (`@apollo/gateway` + `@apollo/server`, default
 * settings, default fetcher) over the same supergraph and subgraphs as ours.
 *
 * The only additions are what our subgraphs demand of any caller: the signed
 * `x-gateway-assertion` header. Assertions are signed ahead of time and renewed every
 * 30 s (they live 60 s), so the baseline pays no per-request signing. It checks no
 * credentials at all: a request with an `Authorization` header is sent on as the member
 * named by `STOCK_MEMBER_IDENTITY` (JSON), any other as anonymous — a shortcut that only
 * favours the baseline.
 */
import fs from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { readAssertionKey } from '../subgraphs/kit/config';
import { ANONYMOUS, ASSERTION_HEADER, type Identity, signAssertion } from '../subgraphs/kit/identity';

interface StockContext {
  member: boolean;
}

async function main(): Promise<void> {
  // tsx (which runs this script) turns on source-mapped stack traces for the whole process; the
  // stock gateway creates an Error per subgraph fetch (make-fetch-happen), and mapping their stacks
  // cost it ~5 % of its CPU, which it does not pay under plain Node in production. Off again.
  process.setSourceMapsEnabled(false);
  const secret = readAssertionKey(process.env, 'development');
  const member = process.env.STOCK_MEMBER_IDENTITY
    ? (JSON.parse(process.env.STOCK_MEMBER_IDENTITY) as Identity)
    : undefined;
  const assertions = { anonymous: '', member: '' };
  const renew = async () => {
    assertions.anonymous = await signAssertion(ANONYMOUS, secret);
    if (member) assertions.member = await signAssertion(member, secret);
  };
  await renew();
  setInterval(() => void renew(), 30_000).unref();

  const overrides: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    const match = /^SUBGRAPH_([A-Z0-9_]+)_URL$/.exec(name);
    if (match && value) overrides[match[1]!.toLowerCase()] = value;
  }
  const gateway = new ApolloGateway({
    supergraphSdl: fs.readFileSync(process.env.SUPERGRAPH_PATH ?? 'schema/supergraph.graphql', 'utf8'),
    buildService: ({ name, url }) =>
      new (class extends RemoteGraphQLDataSource<StockContext> {
        override willSendRequest({
          request,
          context,
        }: Parameters<NonNullable<RemoteGraphQLDataSource<StockContext>['willSendRequest']>>[0]) {
          const asMember = 'member' in context && context.member && assertions.member;
          request.http?.headers.set(ASSERTION_HEADER, asMember ? assertions.member : assertions.anonymous);
        }
      })({ url: overrides[name.toLowerCase()] ?? url }),
  });
  const server = new ApolloServer<StockContext>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: Number(process.env.PORT ?? 4100), host: '127.0.0.1' },
    context: async ({ req }) => ({ member: Boolean(req.headers.authorization) }),
  });
  process.stdout.write(`stock gateway ready at ${url}\n`);
  process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`stock gateway failed: ${String(error)}\n`);
  process.exit(1);
});
