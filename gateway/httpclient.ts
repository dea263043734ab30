import http from 'node:http';
import { urlToHttpOptions } from 'node:url';
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
 * Node's parser gives lower-case names already.
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
 * The gateway's HTTP client for subgraphs: plain `node:http` over a keep-alive agent with
 * a bounded number of sockets. A profile of the stock gateway spends about a third of its
 * CPU in make-fetch-happen/minipass-fetch/agent-base (an Error stack per request); Node's
 * fetch is lighter but still builds web streams per response. Bodies here are JSON
 * documents, read whole into a {@link TextResponse}.
 *
 * With `dedupe`, identical concurrent QUERIES share one request: the key is the URL, the
 * signed assertion (so only the same identity shares), `accept-language` and the body
 * (query text and variables). Mutations are never shared. Each caller gets its own
 * response object over the shared text.
 */
export function createSubgraphFetcher(options: SubgraphFetcherOptions): Fetcher & { destroy: () => void } {
  // `timeout` closes a socket idle in the pool for that long (Node also honours a shorter
  // `Keep-Alive: timeout=N` the subgraph announces, less a second).
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: options.maxSockets,
    scheduling: 'lifo',
    timeout: options.idleTimeoutMs,
  });
  const inFlight = new Map<string, Promise<RawResponse>>();
  // Each subgraph's URL parsed once: given a URL string, `http.request` parses it (WHATWG `URL`)
  // for every fetch; these are the options it would derive from it.
  const targets = new Map<string, http.RequestOptions>();
  const targetOf = (url: string): http.RequestOptions => {
    let target = targets.get(url);
    if (!target) {
      target = urlToHttpOptions(new URL(url));
      targets.set(url, target);
    }
    return target;
  };

  /**
   * Sends one request: over the pool, or (`fresh`) on a one-off connection outside it. The
   * response is read whole, with the per-fetch timeout.
   */
  const sendOnce = (url: string, init: FetcherRequestInit, body: string | undefined, fresh: boolean) =>
    new Promise<RawResponse>((resolve, reject) => {
      const headers: Record<string, string> = {};
      const given = init.headers as Record<string, string> | Iterable<[string, string]> | undefined;
      if (given) for (const [k, v] of Symbol.iterator in given ? given : Object.entries(given)) headers[k] = v;
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      // A plain timer, not `AbortSignal.timeout` (a signal, its timer and listeners per fetch).
      // Once it fires, whatever error the destroyed request or response reports is the timeout.
      let timedOut: Error | undefined;
      const fail = (error: unknown) => {
        clearTimeout(timer);
        reject(timedOut ?? error);
      };
      const request = http.request(
        {
          ...targetOf(url),
          method: init.method ?? 'GET',
          headers,
          // `false`: a one-off connection, closed after this request.
          agent: fresh ? false : agent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', fail);
          response.on('end', () => {
            clearTimeout(timer);
            if (timedOut) return reject(timedOut);
            const pairs: Array<[string, string]> = [];
            for (const [k, v] of Object.entries(response.headers)) {
              if (v !== undefined) pairs.push([k, Array.isArray(v) ? v.join(', ') : v]);
            }
            resolve({ status: response.statusCode ?? 0, headers: pairs, text: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      const timer = setTimeout(() => {
        timedOut = Object.assign(new Error(`the subgraph did not answer within ${options.timeoutMs} ms`), {
          name: 'TimeoutError',
        });
        request.destroy(timedOut);
      }, options.timeoutMs);
      request.on('error', fail);
      request.end(body);
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
  return Object.assign(fetcher as Fetcher, { destroy: () => agent.destroy() });
}
