import { createClient as createSseClient, type Client as SseClient, NetworkError } from 'graphql-sse';

/** One result of a subscription, as a client reads it. */
export interface SubscriptionResult {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** A subscription as a test reads it: one result at a time. */
export interface Subscriber {
  next: () => Promise<SubscriptionResult>;
  /** Resolves when the gateway completes the subscription (after its last result). */
  ended: () => Promise<boolean>;
  stop: () => Promise<void>;
}

/** Waits until `condition` holds, checking every 10 ms (the test's timeout bounds the wait). */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** A subscriber over an iterator of results; `first` is its first `next()`, already asked. */
export function subscriberOf(
  iterator: AsyncIterator<unknown>,
  first: Promise<IteratorResult<unknown>> = iterator.next(),
): Subscriber {
  first.catch(() => undefined);
  let pending: Promise<IteratorResult<unknown>> | null = first;
  const take = async () => {
    const result = await (pending ?? iterator.next());
    pending = null;
    return result;
  };
  return {
    next: async () => {
      const result = await take();
      if (result.done) throw new Error('the subscription ended');
      return result.value as SubscriptionResult;
    },
    ended: async () => (await take()).done === true,
    stop: async () => {
      await iterator.return?.();
    },
  };
}

/**
 * A graphql-sse client (distinct connections mode) of a gateway at `url`, sending
 * `authorization` (none: anonymous) and `headers` on each request; it never retries.
 */
export function sseClient(url: string, authorization?: string, headers: Record<string, string> = {}): SseClient {
  return createSseClient({
    url: `${url}/graphql`,
    headers: { ...headers, ...(authorization ? { authorization } : {}) },
    retryAttempts: 0,
  });
}

/** The HTTP status and coded error a gateway refused an SSE request with (graphql-sse's NetworkError). */
export async function sseRefusal(client: SseClient, query: string): Promise<{ status: number; code: unknown }> {
  try {
    await client.iterate({ query }).next();
  } catch (error) {
    const response = (error as NetworkError<Response>).response;
    if (!(error instanceof NetworkError) || !response) throw error;
    const body = (await response.json()) as SubscriptionResult;
    return { status: response.status, code: body.errors?.[0]?.extensions?.code };
  }
  throw new Error('the request was not refused');
}

/** The events of a whole (completed) SSE response body, as `[event, data]`. */
export function eventsOf(text: string): Array<[string, unknown]> {
  return text
    .split('\n\n')
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      return event ? ([event, data === undefined || data === '' ? null : JSON.parse(data)] as [string, unknown]) : null;
    })
    .filter((entry): entry is [string, unknown] => entry !== null);
}
