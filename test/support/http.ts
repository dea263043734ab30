import http from 'node:http';

/** One HTTP answer as a test reads it: status, headers and the JSON body (undefined when not JSON). */
export interface Reply {
  status: number;
  headers: Headers;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } | undefined;
}

function parseBody(text: string): Reply['body'] {
  try {
    return JSON.parse(text) as Reply['body'];
  } catch {
    return undefined;
  }
}

/** Sends `init` to `url` + `path` (default `/graphql`) with fetch and reads the whole answer. */
export async function send(url: string, init: RequestInit & { path?: string } = {}): Promise<Reply> {
  const response = await fetch(`${url}${init.path ?? '/graphql'}`, init);
  return { status: response.status, headers: response.headers, body: parseBody(await response.text()) };
}

/** A JSON POST for {@link send}: objects are serialised, strings sent as they are. */
export function jsonPost(payload: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  };
}

/**
 * POSTs `body` to `/graphql` on 127.0.0.1:`port` with `node:http`, headers exactly as given
 * (however large: fetch refuses some), optionally on a connection of its own
 * (`newConnection`: no keep-alive, so that cluster workers take turns).
 */
export function rawPost(
  port: number,
  body: string,
  headers: Record<string, string> = {},
  { newConnection = false }: { newConnection?: boolean } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        ...(newConnection ? { agent: false } : {}),
        headers: { 'content-type': 'application/json', ...(newConnection ? { connection: 'close' } : {}), ...headers },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => {
          const replyHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (typeof value === 'string') replyHeaders.set(name, value);
          }
          resolve({ status: response.statusCode ?? 0, headers: replyHeaders, body: parseBody(text) });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
