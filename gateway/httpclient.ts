import http from 'node:http';
import type { Fetcher, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';

/** Options of {@link createSubgraphFetcher}. */
export interface SubgraphFetcherOptions {
  /** Most open sockets per subgraph; further requests queue for a free one. */
  maxSockets: number;
  /** Per-fetch timeout; the request is aborted (error name `AbortError`) when it runs out. */
  timeoutMs: number;
  /** Identical concurrent subgraph queries share one request (see {@link createSubgraphFetcher}). */
  dedupe: boolean;
}

/** Subgraph operations in the gateway's serialised request start with their keyword. */
const QUERY_BODY = /^\{"query":"query[\s({]/;

/**
 * The gateway's HTTP client for subgraphs: plain `node:http` over a keep-alive agent with
 * a bounded number of sockets. A profile of the stock gateway spends about a third of its
 * CPU in make-fetch-happen/minipass-fetch/agent-base (an Error stack per request); Node's
 * fetch is lighter but still builds web streams per response. Bodies here are small JSON
 * documents, read whole.
 *
 * With `dedupe`, identical concurrent QUERIES share one request: the key is the URL, the
 * signed assertion (so only the same identity shares), `accept-language` and the body
 * (query text and variables). Mutations are never shared. Each caller gets its own
 * response object over the shared text.
 */
export function createSubgraphFetcher(options: SubgraphFetcherOptions): Fetcher & { destroy: () => void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets, scheduling: 'lifo' });
  const inFlight = new Map<string, Promise<{ status: number; headers: Array<[string, string]>; text: string }>>();

  const send = (url: string, init: FetcherRequestInit) =>
    new Promise<{ status: number; headers: Array<[string, string]>; text: string }>((resolve, reject) => {
      const headers: Record<string, string> = {};
      const given = init.headers as Record<string, string> | Iterable<[string, string]> | undefined;
      if (given) for (const [k, v] of Symbol.iterator in given ? given : Object.entries(given)) headers[k] = v;
      const body = typeof init.body === 'string' ? init.body : undefined;
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const request = http.request(
        url,
        { method: init.method ?? 'GET', headers, agent, signal: AbortSignal.timeout(options.timeoutMs) },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const pairs: Array<[string, string]> = [];
            for (const [k, v] of Object.entries(response.headers)) {
              if (v !== undefined) pairs.push([k, Array.isArray(v) ? v.join(', ') : v]);
            }
            resolve({ status: response.statusCode ?? 0, headers: pairs, text: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });

  const toResponse = ({ status, headers, text }: { status: number; headers: Array<[string, string]>; text: string }) =>
    // Node's Response is the shape Apollo's fetcher interface describes; the cast bridges two declarations.
    new Response(text, { status, headers }) as unknown as FetcherResponse;

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
