import http from 'node:http';
import { Client, type Dispatcher, Pool } from 'undici';
import type { Fetcher, FetcherHeaders, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';

/** Options of {@link createSubgraphFetcher}. */
export interface SubgraphFetcherOptions {
  /** Most open sockets per subgraph; further requests queue for a free one. */
  maxSockets: number;
  /** Per-fetch timeout; the request is destroyed (error name `TimeoutError`) when it runs out. */
  timeoutMs: number;
  /** Identical concurrent subgraph queries share one request (see {@link createSubgraphFetcher}). */
  dedupe: boolean;
  /**
   * How long an idle pooled socket stays open. It must be shorter than the subgraphs' own
   * keep-alive timeout, so that the gateway, not the subgraph, closes an idle connection: a
   * subgraph closing it just as the gateway reuses it resets the request.
   */
  idleTimeoutMs: number;
}

/** A subgraph's answer, read whole. */
interface RawResponse {
  status: number;
  /** Lower-case names, repeated headers joined with `, `. */
  headers: Array<[string, string]>;
  text: string;
}

/**
 * Response headers over a plain map: WHATWG `Headers` validates and normalises every name
 * and value on construction, for the two the gateway reads (content type, cache control).
 * undici gives lower-case names already.
 */
class ResponseHeaders implements FetcherHeaders {
  private readonly map: Map<string, string>;

  constructor(pairs: Iterable<[string, string]>) {
    this.map = new Map(pairs);
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), value);
  }

  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const current = this.map.get(key);
    this.map.set(key, current === undefined ? value : `${current}, ${value}`);
  }

  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }

  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  values(): IterableIterator<string> {
    return this.map.values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

/**
 * A response whose body is already read, as text. Node's own `Response` builds a web stream
 * per response, then goes text → bytes → text again before `JSON.parse`; with this one, which
 * parses the text once, Node's internals fell from 22 % to 10 % of our busy CPU under S2.
 */
class TextResponse implements FetcherResponse {
  readonly url = '';
  readonly redirected = false;
  bodyUsed = false;

  constructor(
    readonly status: number,
    readonly headers: FetcherHeaders,
    private readonly body: string,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get statusText(): string {
    return http.STATUS_CODES[this.status] ?? '';
  }

  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.body;
  }

  // `unknown` would do, but the Fetcher interface declares `any`.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async json(): Promise<any> {
    this.bodyUsed = true;
    return JSON.parse(this.body);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    const bytes = Buffer.from(this.body, 'utf8');
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  clone(): TextResponse {
    return new TextResponse(this.status, new ResponseHeaders(this.headers), this.body);
  }
}

/**
 * A query (named, anonymous or shorthand `{...}`), as the gateway serialises subgraph requests:
 * the operation text first, starting with its keyword or its selection set. Only queries are
 * shared in flight and sent a second time; a mutation is neither (it may have been applied).
 */
const QUERY_BODY = /^\{"query":"(?:query[\s({]|\{)/;

/** Connection failures: the request may not have reached the subgraph, or its answer was cut. */
const CONNECTION_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/** True when `error` (or its cause) is a {@link CONNECTION_FAILURES connection failure}, not a timeout or an answer. */
export function isConnectionFailure(error: unknown): boolean {
  const err = error as { code?: string; cause?: { code?: string } } | undefined;
  return CONNECTION_FAILURES.has(err?.code ?? '') || CONNECTION_FAILURES.has(err?.cause?.code ?? '');
}

/**
 * An error as `node:http` would have reported it, so that the logs and
 * {@link isConnectionFailure} keep Node's codes: undici reports a connection the subgraph
 * closed under a request as `UND_ERR_SOCKET` ("other side closed"), and one it closed in the
 * middle of an answer as a length mismatch or a parser error at the end of the stream, where
 * Node's client said `ECONNRESET` ("socket hang up", "aborted").
 */
function asNodeError(error: Error): Error {
  const code = (error as { code?: string }).code;
  const cut =
    code === 'UND_ERR_SOCKET' ||
    code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' ||
    (error.name === 'HTTPParserError' && error.message.includes('EOF'));
  return cut ? Object.assign(new Error('socket hang up', { cause: error }), { code: 'ECONNRESET' }) : error;
}

/** Where a subgraph URL is sent: the pool of its origin (created on first use) and the path. */
interface Target {
  origin: string;
  path: string;
}

/**
 * Reads one request's answer whole from undici's dispatch callbacks, without the response
 * stream `pool.request` would build per answer. A plain timer, not `AbortSignal.timeout` (a
 * signal, its timer and listeners per fetch), bounds the whole fetch, waiting for a socket
 * included; once it fires the fetch fails with a `TimeoutError` and the request is aborted
 * (its socket destroyed) as soon as undici hands it over.
 */
class WholeResponse implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private timedOut: Error | undefined;
  private settled = false;
  private status = 0;
  private headers: Array<[string, string]> = [];
  private readonly chunks: Buffer[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    timeoutMs: number,
    private readonly resolve: (response: RawResponse) => void,
    private readonly reject: (error: Error) => void,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = Object.assign(new Error(`the subgraph did not answer within ${timeoutMs} ms`), {
        name: 'TimeoutError',
      });
      this.fail(this.timedOut);
      this.controller?.abort(this.timedOut);
    }, timeoutMs);
  }

  private fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.reject(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.timedOut) controller.abort(this.timedOut);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.status = status;
    const pairs: Array<[string, string]> = [];
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined) pairs.push([name, Array.isArray(value) ? value.join(', ') : value]);
    }
    this.headers = pairs;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    const [only] = this.chunks;
    const text = (this.chunks.length === 1 && only ? only : Buffer.concat(this.chunks)).toString('utf8');
    this.resolve({ status: this.status, headers: this.headers, text });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(asNodeError(error));
  }
}

/**
 * The gateway's HTTP client for subgraphs: undici `Pool`s, one per subgraph origin, with at
 * most `maxSockets` connections, one request at a time on each. A profile of the stock
 * gateway spends about a third of its CPU in make-fetch-happen/minipass-fetch/agent-base (an
 * Error stack per request); Node's fetch is lighter but still builds web streams per
 * response, and `node:http` (a `ClientRequest`, an `IncomingMessage` stream and the agent's
 * bookkeeping per request) was still about 15 % of our busy CPU under R. Bodies here are
 * JSON documents, read whole into a {@link TextResponse}.
 *
 * With `dedupe`, identical concurrent QUERIES share one request: the key is the URL, the
 * signed assertion (so only the same identity shares), `accept-language` and the body
 * (query text and variables). Mutations are never shared. Each caller gets its own
 * response object over the shared text.
 *
 * `close()` lets the pools' connections go once their requests are answered (a later fetch
 * opens a new pool); `destroy()` closes them at once, failing what is in flight.
 */
export function createSubgraphFetcher(
  options: SubgraphFetcherOptions,
): Fetcher & { close: () => void; destroy: () => void } {
  const pools = new Map<string, Pool>();
  // One-off connections of retries, so that `destroy()` also ends them.
  const oneOffs = new Set<Client>();
  // `keepAliveTimeout` closes a connection idle for that long; `keepAliveMaxTimeout` keeps a
  // longer `Keep-Alive: timeout=N` announced by the subgraph from raising it (a shorter one,
  // less a second as Node's agent did, wins). No headers/body timeouts: the fetch's own
  // timer bounds the whole request.
  const clientOptions = {
    pipelining: 1,
    keepAliveTimeout: options.idleTimeoutMs,
    keepAliveMaxTimeout: options.idleTimeoutMs,
    keepAliveTimeoutThreshold: 1_000,
    headersTimeout: 0,
    bodyTimeout: 0,
  };
  const poolOf = (origin: string): Pool => {
    let pool = pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { ...clientOptions, connections: options.maxSockets });
      pools.set(origin, pool);
    }
    return pool;
  };
  const inFlight = new Map<string, Promise<RawResponse>>();
  // Each subgraph's URL parsed once (WHATWG `URL`), not per fetch.
  const targets = new Map<string, Target>();
  const targetOf = (url: string): Target => {
    let target = targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      targets.set(url, target);
    }
    return target;
  };

  /**
   * Sends one request: over the origin's pool, or (`fresh`) on a one-off connection outside
   * it, closed after this request. The response is read whole, with the per-fetch timeout.
   */
  const sendOnce = (url: string, init: FetcherRequestInit, body: string | undefined, fresh: boolean) =>
    new Promise<RawResponse>((resolve, reject) => {
      const { origin, path } = targetOf(url);
      const request: Dispatcher.DispatchOptions = {
        path,
        method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: init.headers as Record<string, string> | Iterable<[string, string]> | undefined,
        body,
      };
      if (!fresh) {
        poolOf(origin).dispatch(request, new WholeResponse(options.timeoutMs, resolve, reject));
        return;
      }
      const client = new Client(origin, clientOptions);
      oneOffs.add(client);
      const done = () => {
        oneOffs.delete(client);
        client.destroy().catch(() => undefined);
      };
      client.dispatch(
        { ...request, reset: true },
        new WholeResponse(
          options.timeoutMs,
          (response) => {
            done();
            resolve(response);
          },
          (error) => {
            done();
            reject(error);
          },
        ),
      );
    });

  /**
   * The one retry rule of subgraph fetches: a query whose connection failed (refused, reset,
   * broken; typically a pooled socket the subgraph closed for being idle just as it was reused)
   * is sent once more, on a new connection outside the pool, since another pooled socket may be
   * just as stale. So a query is sent at most twice, whatever fails; never after a timeout (the
   * subgraph may still be working on it), and a mutation never again: it fails as it is.
   */
  const send = async (url: string, init: FetcherRequestInit): Promise<RawResponse> => {
    const body = typeof init.body === 'string' ? init.body : undefined;
    try {
      return await sendOnce(url, init, body, false);
    } catch (error) {
      if (body === undefined || !QUERY_BODY.test(body) || !isConnectionFailure(error)) throw error;
      return sendOnce(url, init, body, true);
    }
  };

  const toResponse = ({ status, headers, text }: RawResponse) =>
    new TextResponse(status, new ResponseHeaders(headers), text);

  const fetcher = async (url: string, init: FetcherRequestInit = {}): Promise<FetcherResponse> => {
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (!options.dedupe || body === undefined || !QUERY_BODY.test(body)) return toResponse(await send(url, init));
    const headers = (init.headers ?? {}) as Record<string, string>;
    const key = `${url}\n${headers['x-gateway-assertion'] ?? ''}\n${headers['accept-language'] ?? ''}\n${body}`;
    let shared = inFlight.get(key);
    if (!shared) {
      shared = send(url, init).finally(() => inFlight.delete(key));
      inFlight.set(key, shared);
    }
    return toResponse(await shared);
  };
  // Pools closing (after `close()`) until their last requests are answered, so that `destroy()` ends them too.
  const closing = new Set<Pool>();
  const close = () => {
    for (const pool of pools.values()) {
      closing.add(pool);
      pool
        .close()
        .catch(() => undefined)
        .finally(() => closing.delete(pool));
    }
    pools.clear();
  };
  const destroy = () => {
    for (const dispatcher of [...pools.values(), ...closing, ...oneOffs]) dispatcher.destroy().catch(() => undefined);
    pools.clear();
    closing.clear();
    oneOffs.clear();
  };
  return Object.assign(fetcher as Fetcher, { close, destroy });
}
