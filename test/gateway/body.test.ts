import { AsyncLocalStorage } from 'node:async_hooks';
import { isUtf8 } from 'node:buffer';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import express, { type NextFunction, type Request, type Response } from 'express';
import { jsonBodyParser, takesFastPath } from '../../gateway/body';

// Differential test of the body parser's fast path (gateway/body.ts): the same raw HTTP
// requests go to express.json, configured as the edge configured it before, and to
// jsonBodyParser; the answers (status, headers, body) and what each parser left for the next
// handler (req.body, or the error the edge's error handler reads) must be the same.

const LIMIT = 1024;

/** What a parser left: the parsed body, or the error the edge's `bodyErrors` would answer from. */
type Outcome =
  | { parsed: string; bodyInRequest: boolean; ownKeys: string[]; prototypeIsObject: boolean; scope?: string }
  | { error: Record<string, unknown>; scope?: string };

const reference = express.json({
  limit: LIMIT,
  verify: (_req, _res, buffer) => {
    if (!isUtf8(buffer))
      throw Object.assign(new Error('request body is not valid UTF-8'), { status: 400, type: 'encoding.invalid' });
  },
});

describe('the body parser fast path answers exactly as express.json', () => {
  const outcomes = new Map<string, Outcome>();
  const fastPath = new Map<string, boolean>();
  // The parser must call on in the caller's async context, as raw-body does.
  const scope = new AsyncLocalStorage<string>();
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    const app = express();
    const fast = jsonBodyParser(LIMIT);
    // The `twice` routes parse the body first with express.json: the second parser must leave it as it is.
    for (const [route, parsers] of [
      ['/reference', [reference]],
      ['/fast', [fast]],
      ['/twice-reference', [reference, reference]],
      ['/twice-fast', [reference, fast]],
    ] as const) {
      const key = (req: Request) => `${route} ${String(req.headers['x-case'])}`;
      app.use(
        route,
        (req: Request, _res: Response, next: NextFunction) => scope.run(String(req.headers['x-case']), next),
        ...parsers.slice(0, -1),
        (req: Request, _res: Response, next: NextFunction) => {
          fastPath.set(key(req), takesFastPath(req, LIMIT));
          next();
        },
        parsers.at(-1) ?? reference,
        (req: Request, res: Response) => {
          const body: unknown = req.body;
          const outcome: Outcome = {
            parsed: JSON.stringify(body) ?? 'undefined',
            bodyInRequest: 'body' in req,
            ownKeys: body !== null && typeof body === 'object' ? Object.getOwnPropertyNames(body) : [],
            prototypeIsObject:
              body !== null && typeof body === 'object' && Object.getPrototypeOf(body) === Object.prototype,
            scope: scope.getStore(),
          };
          outcomes.set(key(req), outcome);
          res.json(outcome);
        },
        (error: Error & Record<string, unknown>, req: Request, res: Response, _next: NextFunction) => {
          const { status, statusCode, expose, type, code, expected, length, received, limit } = error;
          const outcome: Outcome = {
            error: {
              message: error.message,
              status,
              statusCode,
              expose,
              type,
              code,
              expected,
              length,
              received,
              limit,
              syntaxError: error instanceof SyntaxError,
              body: Buffer.isBuffer(error.body) ? `buffer ${error.body.length}` : error.body,
            },
            scope: scope.getStore(),
          };
          outcomes.set(key(req), outcome);
          res.status(typeof status === 'number' ? status : 500).json(outcome);
        },
      );
    }
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** How the client sends: its parts in order (a pause between them), then it waits, half-closes or hangs up. */
  interface Exchange {
    head: string;
    parts: Buffer[];
    then?: 'wait' | 'half-close' | 'destroy';
  }

  /** Writes one raw request and returns what the server answers until it closes, `Date` removed. */
  function exchange(path: string, name: string, { head, parts, then = 'wait' }: Exchange): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(text.replace(/^Date: .*\r\n/im, '')));
      socket.on('connect', async () => {
        socket.write(`${head.replace('PATH', path)}x-case: ${name}\r\nconnection: close\r\n\r\n`);
        for (const part of parts) {
          await new Promise((wait) => setTimeout(wait, 5));
          socket.write(part);
        }
        if (then === 'half-close') socket.end();
        if (then === 'destroy') setTimeout(() => socket.destroy(), 20);
      });
    });
  }

  /** Waits until the server has noted the outcome of `key` (a client that hung up reads no answer). */
  async function outcomeOf(key: string): Promise<Outcome | undefined> {
    for (let i = 0; i < 100 && !outcomes.has(key); i += 1) await new Promise((wait) => setTimeout(wait, 10));
    return outcomes.get(key);
  }

  const post = (body: Buffer | string, contentType = 'application/json', extra = '') => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    return {
      head: `POST PATH HTTP/1.1\r\nhost: x\r\ncontent-type: ${contentType}\r\ncontent-length: ${bytes.length}\r\n${extra}`,
      parts: [bytes],
    };
  };
  const gzipped = gzipSync(Buffer.from('{"query":"{ a }"}'));
  const bigValid = JSON.stringify({ query: `{ ${'a '.repeat(490)}}` }).slice(0, LIMIT);
  const multibyte = Buffer.from('{"a":"é€😀"}');
  const atLimit = `{"q":"${'x'.repeat(LIMIT - 8)}"}`;

  // [name, request, fast path expected]
  const cases: Array<[string, Exchange, boolean]> = [
    ['object', post('{"query":"{ a }","variables":{"x":1,"y":"é"}}'), true],
    ['array', post('[{"query":"{ a }"},{"query":"{ b }"}]'), true],
    ['whitespace first', post(' \r\n\t{"a":1} \n'), true],
    ['empty body', post(''), true],
    ['whitespace only', post(' \n '), true],
    ['null', post('null'), true],
    ['string', post('"x"'), true],
    ['number', post('1'), true],
    ['whitespace then true', post('  \ttrue'), true],
    ['invalid JSON', post('{"a":'), true],
    ['trailing garbage', post('{"a":1} x'), true],
    ['invalid UTF-8', post(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])), true],
    ['byte order mark', post(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')])), true],
    ['only a byte order mark', post(Buffer.from([0xef, 0xbb, 0xbf])), true],
    ['two byte order marks', post(Buffer.from('\ufeff\ufeff{"a":1}')), true],
    ['__proto__ key', post('{"__proto__":{"polluted":true},"constructor":{"prototype":{}},"a":1}'), true],
    ['charset=utf-8', post('{"a":1}', 'application/json; charset=utf-8'), true],
    ['no space before charset', post('{"a":1}', 'application/json;charset=utf-8'), true],
    ['uppercase', post('{"a":1}', 'Application/JSON; CHARSET=UTF-8'), true],
    ['content-encoding identity', post('{"a":1}', 'application/json', 'content-encoding: IDENTITY\r\n'), true],
    ['at the limit', post(atLimit), true],
    ['large valid', post(bigValid), true],
    // Answered by express.json.
    ['charset=latin1', post('{"a":1}', 'application/json; charset=latin1'), false],
    ['charset=utf8', post('{"a":1}', 'application/json; charset=utf8'), false],
    ['charset=utf-16le', post(Buffer.from('{"a":1}', 'utf16le'), 'application/json; charset=utf-16le'), false],
    ['quoted charset', post('{"a":1}', 'application/json; charset="utf-8"'), false],
    ['text/plain', post('{"a":1}', 'text/plain'), false],
    ['+json suffix', post('{"a":1}', 'application/graphql-response+json'), false],
    ['gzip', post(gzipped, 'application/json', 'content-encoding: gzip\r\n'), false],
    ['unknown encoding', post('{"a":1}', 'application/json', 'content-encoding: compress\r\n'), false],
    ['over the limit', post(`{"q":"${'x'.repeat(LIMIT)}"}`), false],
    [
      'chunked',
      {
        head: 'POST PATH HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n',
        parts: [Buffer.from('7\r\n{"a":1}\r\n0\r\n\r\n')],
      },
      false,
    ],
    ['GET without a body', { head: 'GET PATH HTTP/1.1\r\nhost: x\r\n', parts: [] }, false],
    // Bodies that arrive in parts, or not as declared.
    [
      'in parts, characters split between them',
      { ...post(multibyte), parts: [multibyte.subarray(0, 7), multibyte.subarray(7, 10), multibyte.subarray(10)] },
      true,
    ],
    ['longer than declared', { ...post('{"a":1}'), parts: [Buffer.from('{"a":1}{"b":2}')] }, true],
    [
      'shorter than declared, then half-closed',
      { ...post('{"a":1,"b":2}'), parts: [Buffer.from('{"a":1')], then: 'half-close' },
      true,
    ],
    [
      'shorter than declared, then hung up',
      { ...post('{"a":1,"b":2}'), parts: [Buffer.from('{"a":1')], then: 'destroy' },
      true,
    ],
  ];

  it.each(cases)('%s', async (name, request, fast) => {
    const referenceAnswer = await exchange('/reference', name, request);
    const fastAnswer = await exchange('/fast', name, request);
    expect(fastAnswer).toBe(referenceAnswer);
    const referenceOutcome = await outcomeOf(`/reference ${name}`);
    const fastOutcome = await outcomeOf(`/fast ${name}`);
    expect(fastOutcome).toEqual(referenceOutcome);
    // A body read (or refused) in the caller's scope.
    if (referenceOutcome) expect(fastOutcome?.scope).toBe(name);
    expect(fastPath.get(`/fast ${name}`)).toBe(fast);
  });

  it.each(cases.filter(([, , fast]) => fast))('%s, parsed before', async (name, request) => {
    expect(await exchange('/twice-fast', name, request)).toBe(await exchange('/twice-reference', name, request));
    expect(await outcomeOf(`/twice-fast ${name}`)).toEqual(await outcomeOf(`/twice-reference ${name}`));
    // Read already (or refused by the first parser, before the second runs).
    expect(fastPath.get(`/twice-fast ${name}`)).not.toBe(true);
  });

  it('answers several requests in a row on one kept-alive connection', async () => {
    const answers = await Promise.all(
      ['/reference', '/fast'].map(
        (path) =>
          new Promise<string[]>((resolve, reject) => {
            const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
            const bodies = ['{"a":1}', '[1]', 'null', '{"b":2}'];
            Promise.all(
              bodies.map(
                (body, i) =>
                  new Promise<string>((done, fail) => {
                    const req = http.request(
                      {
                        port,
                        host: '127.0.0.1',
                        path,
                        method: 'POST',
                        agent,
                        headers: { 'content-type': 'application/json', 'x-case': `keep-alive ${i}` },
                      },
                      (res) => {
                        let text = '';
                        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
                        res.on('end', () => done(`${res.statusCode} ${text}`));
                      },
                    );
                    req.on('error', fail);
                    req.end(body);
                  }),
              ),
            )
              .then((all) => {
                agent.destroy();
                resolve(all);
              })
              .catch(reject);
          }),
      ),
    );
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]?.map((answer) => answer.slice(0, 3))).toEqual(['200', '200', '400', '200']);
  });
});
