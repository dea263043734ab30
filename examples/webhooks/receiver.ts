/**
 * A member's webhook receiver: the alliance POSTs each event it signed (Standard Webhooks:
 * `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `${id}.${timestamp}.${body}`), and the receiver checks the signature with the reference library
 * before it trusts a byte of the body. Run it with `WEBHOOK_SECRET=whsec_… npx tsx examples/webhooks/receiver.ts`
 * (`PORT`, default 8080); the secret is the one `registerWebhook` showed once.
 *
 * What it answers, and why:
 * - 204 as soon as the signature checks out; the event is handled after the answer, so a slow
 *   handler never makes the alliance time out and deliver again.
 * - 401 for a missing or wrong signature, and for a timestamp more than 5 minutes away from now
 *   (a replayed old delivery): the alliance retries, an attacker gets nothing.
 * - 204 again, without handling it twice, for an id it already handled: deliveries are at least
 *   once, so a retry after a lost answer repeats an id.
 * - 405 for anything but POST, 413 for a body over 1 MiB.
 *
 * In your project: `npm install standardwebhooks`.
 */
import http from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/** The JSON body of every delivery. */
export interface AllianceEvent {
  /** e.g. `ContentPublished`, `CampaignStatusChanged`. */
  type: string;
  /** When the event happened (ISO 8601). */
  timestamp: string;
  data: Record<string, unknown>;
}

/** How a {@link createReceiver} server is set up. */
export interface ReceiverOptions {
  /** The webhook's secret, `whsec_<base64>`. */
  secret: string;
  /** Handles one verified event, after the answer was sent; `id` is its `webhook-id`. */
  onEvent: (event: AllianceEvent, id: string) => void | Promise<void>;
  /** Largest body accepted (1 MiB). */
  maxBodyBytes?: number;
}

/**
 * Ids already handled are kept this long: a delivery whose timestamp is older than the library's
 * 5-minute tolerance is refused anyway, so a retry of an id forgotten after 10 minutes cannot pass.
 */
const REMEMBER_MS = 10 * 60_000;

/** An HTTP server (not listening yet) that verifies, deduplicates and hands over the alliance's webhooks. */
export function createReceiver({ secret, onEvent, maxBodyBytes = 1_048_576 }: ReceiverOptions): http.Server {
  const webhook = new Webhook(secret);
  const seen = new Map<string, number>();
  const answer = (res: http.ServerResponse, status: number, message?: string) => {
    res.writeHead(status, message ? { 'content-type': 'text/plain; charset=utf-8' } : {});
    res.end(message);
  };

  return http.createServer((req, res) => {
    if (req.method !== 'POST') return answer(res, 405, 'webhooks are POSTed');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      // Read to the end (and dropped) rather than cut off: the sender then reads the answer.
      if (size > maxBodyBytes) return answer(res, 413, 'body too large');
      // The signature covers the exact bytes sent: verify the raw body, never a re-serialised one.
      const raw = Buffer.concat(chunks);
      const header = (name: string) => {
        const value = req.headers[name];
        return typeof value === 'string' ? value : '';
      };
      const headers = {
        'webhook-id': header('webhook-id'),
        'webhook-timestamp': header('webhook-timestamp'),
        'webhook-signature': header('webhook-signature'),
      };
      let event: AllianceEvent | undefined;
      try {
        // Checks the signature (any of the space-separated `v1,` ones, in constant time) and the timestamp's age.
        event = webhook.verify(raw, headers) as AllianceEvent | undefined;
      } catch (error) {
        if (error instanceof WebhookVerificationError) return answer(res, 401, error.message);
        event = undefined;
      }
      if (!event) return answer(res, 400, 'the body is not a JSON event');
      const id = headers['webhook-id'];
      const now = Date.now();
      for (const [old, at] of seen) if (now - at > REMEMBER_MS) seen.delete(old);
      const repeated = seen.has(id);
      seen.set(id, now);
      answer(res, 204);
      if (!repeated)
        setImmediate(() => {
          Promise.resolve(onEvent(event, id)).catch((error: unknown) => console.error(`handling ${id} failed:`, error));
        });
    });
  });
}

if (require.main === module) {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret?.startsWith('whsec_')) {
    console.error('set WEBHOOK_SECRET to the secret registerWebhook showed (whsec_…)');
    process.exit(1);
  }
  const port = Number(process.env.PORT ?? 8080);
  const server = createReceiver({
    secret,
    onEvent: (event, id) => console.log(`${event.type} at ${event.timestamp} [${id}]:`, JSON.stringify(event.data)),
  });
  server.listen(port, () => console.log(`receiving webhooks on http://localhost:${port}/`));
}
