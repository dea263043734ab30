import { Client } from 'undici';
import { pinnedLookup, UnsafeUrlError, type UrlGuard } from './ssrf';

/** What one attempt came to, as the delivery log shows it. */
export interface AttemptResult {
  /** A 2xx answer. */
  ok: boolean;
  /** The answer's HTTP status; null when none came. */
  status: number | null;
  /** Why it failed, for the owner; null on success. */
  error: string | null;
}

/** Most of an answer's body read (and thrown away) before the connection is closed. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs one signed delivery. The URL is vetted again now (`UrlGuard`: form, DNS, every address
 * public) and the connection goes to the vetted address only (`pinnedLookup`), so a name that
 * resolves elsewhere by the time of connecting is never followed. Redirects are not followed (a
 * 3xx is a failed attempt); connecting, the answer's headers and its body are each bounded by
 * `timeoutMs`, and the whole attempt by twice that.
 */
export async function sendDelivery(options: {
  guard: UrlGuard;
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Aborts the attempt (the dispatcher stopping); the result then says `aborted`. */
  signal?: AbortSignal;
}): Promise<AttemptResult & { aborted?: true }> {
  let vetted: Awaited<ReturnType<UrlGuard['vet']>>;
  try {
    vetted = await options.guard.vet(options.url);
  } catch (error) {
    if (error instanceof UnsafeUrlError) return { ok: false, status: null, error: `refused: ${error.message}` };
    throw error;
  }
  const { url, target } = vetted;
  const client = new Client(url.origin, {
    connect: { lookup: pinnedLookup(target), timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  try {
    const answer = await client.request({
      method: 'POST',
      path: `${url.pathname}${url.search}`,
      headers: {
        ...options.headers,
        'content-type': 'application/json',
        'user-agent': 'SichuanAlliance-Webhooks/1',
      },
      body: options.body,
      signal: options.signal
        ? AbortSignal.any([AbortSignal.timeout(options.timeoutMs * 2), options.signal])
        : AbortSignal.timeout(options.timeoutMs * 2),
    });
    await answer.body.dump({ limit: MAX_ANSWER_BYTES }).catch(() => undefined);
    const ok = answer.statusCode >= 200 && answer.statusCode < 300;
    return {
      ok,
      status: answer.statusCode,
      error: ok
        ? null
        : answer.statusCode >= 300 && answer.statusCode < 400
          ? `the receiver answered ${answer.statusCode}: redirects are not followed, register the final URL`
          : `the receiver answered ${answer.statusCode}`,
    };
  } catch (error) {
    if (options.signal?.aborted) return { ok: false, status: null, error: null, aborted: true };
    return { ok: false, status: null, error: describeFailure(error, options.timeoutMs) };
  } finally {
    await client.destroy().catch(() => undefined);
  }
}

/** A connection failure in words for the owner: what happened, never our internals. */
function describeFailure(error: unknown, timeoutMs: number): string {
  // undici's errors carry a string code (UND_ERR_HEADERS_TIMEOUT); the abort signal's DOMException
  // a name (TimeoutError) and a numeric code.
  const { code: rawCode, name } = error as { code?: unknown; name?: unknown };
  const code = typeof rawCode === 'string' ? rawCode : '';
  if (/TIMEOUT/i.test(code) || name === 'TimeoutError' || name === 'AbortError') {
    return `the receiver did not answer within ${timeoutMs} ms`;
  }
  if (code === 'ECONNREFUSED') return 'the receiver refused the connection';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the receiver closed the connection';
  if (/CERT|SSL|TLS|ERR_TLS/i.test(code)) return 'the TLS certificate is not valid for the URL';
  return 'could not reach the receiver';
}
