import http from 'node:http';

/** One request of a {@link Load}, as its client saw it. */
export interface LoadOutcome {
  /** Sequence number of the request, in the order requests were sent. */
  seq: number;
  /** HTTP status, when an answer came. */
  status?: number;
  /** The parsed JSON answer, when one came. */
  body?: { data?: unknown; errors?: Array<{ message: string; path?: unknown[]; extensions?: { code?: string } }> };
  /** The answer's `Connection` header. */
  connection?: string;
  /** The error code (`ECONNRESET`, `ECONNREFUSED`, ...) when no answer came. */
  error?: string;
}

/** Requests kept flowing by a fixed number of clients, each reusing its keep-alive connection. */
export interface Load {
  outcomes: LoadOutcome[];
  /** Requests sent so far; an outcome's `seq` below a value read here was sent before that moment. */
  sent: () => number;
  /** Stops sending and resolves once every sent request has its outcome. */
  stop: () => Promise<LoadOutcome[]>;
}

/**
 * Starts `clients` concurrent clients POSTing `body` to `url`, each one request after the
 * other on its own keep-alive connection, until {@link Load.stop}. A client that cannot
 * connect (the service is gone) pauses for `pauseAfterErrorMs` before it tries again.
 */
export function startLoad(options: {
  url: string;
  body: string;
  headers?: Record<string, string>;
  clients: number;
  pauseAfterErrorMs?: number;
}): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.clients });
  const outcomes: LoadOutcome[] = [];
  let seq = 0;
  let running = true;
  const once = () =>
    new Promise<LoadOutcome>((resolve) => {
      const outcome: LoadOutcome = { seq: seq++ };
      const request = http.request(
        options.url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(options.body)),
            ...options.headers,
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('error', (error: NodeJS.ErrnoException) => resolve({ ...outcome, error: error.code ?? 'ERROR' }));
          response.on('end', () => {
            let body: LoadOutcome['body'];
            try {
              body = JSON.parse(text) as LoadOutcome['body'];
            } catch {
              body = undefined;
            }
            resolve({ ...outcome, status: response.statusCode, body, connection: response.headers.connection });
          });
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) => resolve({ ...outcome, error: error.code ?? 'ERROR' }));
      request.end(options.body);
    });
  const clients = Array.from({ length: options.clients }, async () => {
    while (running) {
      const outcome = await once();
      outcomes.push(outcome);
      if (outcome.error) await new Promise((resolve) => setTimeout(resolve, options.pauseAfterErrorMs ?? 20));
    }
  });
  return {
    outcomes,
    sent: () => seq,
    stop: async () => {
      running = false;
      await Promise.all(clients);
      agent.destroy();
      return outcomes.sort((a, b) => a.seq - b.seq);
    },
  };
}

/**
 * Resolves once `predicate` holds; fails after `timeoutMs`. `refresh`, when given, runs before each
 * check (e.g. to ask a service again).
 */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 20_000,
  what = 'condition',
  refresh?: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await refresh?.();
    if (predicate()) return;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, refresh ? 250 : 25));
  }
}
