/**
 * `npx tsx bench/body-parse.ts [--requests N] [--rounds R] [--connections C]`: the CPU spent per
 * request reading a ~600-byte JSON body with `express.json` (as the edge configured it before
 * gateway/body.ts) and with `jsonBodyParser`'s fast path, measured twice:
 * - the parse step alone, in this process: N requests (IncomingMessages over a stand-in socket,
 *   the body already pushed) parsed one after the other by one parser, then N by the other;
 * - over HTTP: one server process (a child) answers both on one port; this process sends N
 *   requests to one, then N to the other, and asks the server for its CPU time around each block.
 * Both alternate which parser goes first, R rounds, timing blocks with `process.cpuUsage()`.
 * Printed: µs of CPU per request for each, per round, and the medians (with min and max) of the
 * rounds' differences and ratios (the machine is shared: only those count).
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseArgs } from 'node:util';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { transformFileSync } from '@swc/core';
import type { jsonBodyParser as JsonBodyParser } from '../gateway/body';

const LIMIT = 2_097_152; // the gateway's default MAX_BODY_BYTES

/**
 * gateway/body.ts compiled with SWC (into `dir`, beside a link to node_modules), as production runs
 * compiled code: under tsx, esbuild's `keepNames` wraps every closure the parser makes per request in
 * a `__name` call, a cost only tsx pays. Returns the compiled module's path.
 */
function compileBodyParser(dir: string): string {
  const root = path.resolve(__dirname, '..');
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const { code } = transformFileSync(path.join(root, 'gateway/body.ts'), {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    swcrc: false,
    configFile: false,
  });
  const file = path.join(dir, 'body.js');
  fs.writeFileSync(file, code);
  return file;
}

/** The two parsers: the edge's `express.json` before gateway/body.ts, and gateway/body.ts's (compiled, at `compiled`). */
function parsers(compiled: string): { reference: RequestHandler; fast: RequestHandler } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module compiled at run time
  const { jsonBodyParser } = require(compiled) as { jsonBodyParser: typeof JsonBodyParser };
  const reference = express.json({
    limit: LIMIT,
    verify: (_req, _res, buffer) => {
      if (!isUtf8(buffer))
        throw Object.assign(new Error('request body is not valid UTF-8'), { status: 400, type: 'encoding.invalid' });
    },
  });
  return { reference, fast: jsonBodyParser(LIMIT) };
}

/** The child: one server, `/reference` and `/fast`, and `/cpu` for its CPU time so far (µs). */
function serve(compiled: string): void {
  const { reference, fast } = parsers(compiled);
  const answer = (parser: RequestHandler, req: Request, res: Response) =>
    parser(req, res, ((error?: unknown) => {
      res.statusCode = error ? 400 : 200;
      res.end(error ? 'error' : 'ok');
    }) as NextFunction);
  const server = http.createServer((req, res) => {
    if (req.url === '/cpu') {
      const { user, system } = process.cpuUsage();
      return res.end(String(user + system));
    }
    answer(req.url === '/fast' ? fast : reference, req as Request, res as Response);
  });
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
}

/** A GraphQL request of about 600 bytes, as the realistic mix sends them. */
const BODY = JSON.stringify({
  operationName: 'StoriesOfRegion',
  query:
    'query StoriesOfRegion($region: ID!, $first: Int!, $after: String, $locale: Locale) { region(id: $region) { id name(locale: $locale) stories(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id slug title(locale: $locale) publishedAt author { id displayName } tags { slug label(locale: $locale) } } } } }',
  variables: {
    region: 'region:chengdu',
    first: 20,
    after: 'Y3Vyc29yOjIw',
    locale: 'ZH_HANS',
    filter: { tags: ['panda', 'hotpot'] },
  },
  extensions: { clientLibrary: { name: 'alliance-web', version: '3.14.0' }, requestTag: 'stories-region-page' },
});

async function drive(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '4000' },
      rounds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '4' },
    },
  });
  const requests = Number(values.requests);
  const rounds = Number(values.rounds);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'body-parse-'));
  const compiled = compileBodyParser(dir);
  console.log(`body: ${Buffer.byteLength(BODY)} bytes; ${requests} requests per block, ${rounds} rounds`);
  console.log('the parse step alone, in process:');
  await compare(rounds, parseStep(compiled, requests));
  console.log(`over HTTP, ${values.connections} connections, server CPU:`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number(values.connections) });
  const child = fork(__filename, ['--serve', compiled], { stdio: 'inherit' });
  const port = await new Promise<number>((resolve) => child.once('message', (message) => resolve(Number(message))));

  const request = (path: string, body?: string) =>
    new Promise<string>((resolve, reject) => {
      const req = http.request(
        { port, host: '127.0.0.1', path, method: body === undefined ? 'GET' : 'POST', agent, headers: HEADERS },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${path}: ${text}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const cpu = async () => Number(await request('/cpu'));
  /** Server CPU µs per request for `count` requests to `path`, `connections` at a time. */
  const block = async (path: string, count: number) => {
    const before = await cpu();
    let sent = 0;
    const worker = async () => {
      while (sent < count) {
        sent += 1;
        await request(path, BODY);
      }
    };
    await Promise.all(Array.from({ length: Number(values.connections) }, worker));
    return ((await cpu()) - before) / count;
  };

  await compare(rounds, (path) => block(`/${path}`, requests));
  agent.destroy();
  child.kill();
  fs.rmSync(dir, { recursive: true, force: true });
}

const HEADERS = { 'content-type': 'application/json' };

type Target = 'reference' | 'fast';

/** CPU µs per request of `parse` for each target: a warm-up of both, then `rounds` interleaved rounds, printed. */
async function compare(rounds: number, measure: (target: Target) => Promise<number>): Promise<void> {
  await measure('reference');
  await measure('fast');
  const reference: number[] = [];
  const fast: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const order: Target[] = round % 2 === 0 ? ['reference', 'fast'] : ['fast', 'reference'];
    for (const target of order) (target === 'fast' ? fast : reference).push(await measure(target));
    const r = reference.at(-1) ?? 0;
    const f = fast.at(-1) ?? 0;
    console.log(
      `  round ${round + 1}: express.json ${r.toFixed(2)} µs/req, fast path ${f.toFixed(2)} µs/req, saved ${(r - f).toFixed(2)} µs`,
    );
  }
  const saved = reference.map((r, i) => r - (fast[i] ?? 0));
  const ratios = reference.map((r, i) => (fast[i] ?? 0) / r);
  const describe = (xs: number[], digits: number) =>
    `median ${median(xs).toFixed(digits)} (min ${Math.min(...xs).toFixed(digits)}, max ${Math.max(...xs).toFixed(digits)})`;
  console.log(`  CPU per request, express.json: ${describe(reference, 2)} µs`);
  console.log(`  CPU per request, fast path:    ${describe(fast, 2)} µs`);
  console.log(`  saved per request: ${describe(saved, 2)} µs; fast/express.json: ${describe(ratios, 3)}`);
}

/** The parse step alone: CPU µs per request to parse `count` requests whose body has arrived, one after the other. */
function parseStep(compiled: string, count: number): (target: Target) => Promise<number> {
  const chosen = parsers(compiled);
  const body = Buffer.from(BODY);
  const headers = { host: 'gateway', 'content-type': 'application/json', 'content-length': String(body.length) };
  const response = {} as Response;
  return async (target) => {
    const parser = chosen[target];
    // Built before the clock starts: a request as Node's HTTP parser hands it over, its body buffered.
    const requests = Array.from({ length: count }, () => {
      const req = new http.IncomingMessage(new PassThrough() as unknown as Socket);
      req.method = 'POST';
      req.url = '/graphql';
      req.headers = headers;
      req.push(body);
      req.push(null);
      req.complete = true;
      return req as Request;
    });
    const start = process.cpuUsage();
    for (const req of requests) {
      await new Promise<void>((resolve, reject) =>
        parser(req, response, ((error?: unknown) => (error ? reject(error as Error) : resolve())) as NextFunction),
      );
      if (typeof req.body !== 'object') throw new Error('not parsed');
    }
    const { user, system } = process.cpuUsage(start);
    return (user + system) / count;
  };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt !== -1) serve(process.argv[serveAt + 1] ?? '');
else
  void drive().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
