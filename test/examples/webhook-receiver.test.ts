import crypto from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { type AllianceEvent, createReceiver } from '../../examples/webhooks/receiver';
import { until } from '../support/live';

/** A fresh secret in the Standard Webhooks form: `whsec_` and 24 random bytes in base64. */
const newSecret = () => `whsec_${crypto.randomBytes(24).toString('base64')}`;

describe('examples/webhooks/receiver.ts: verifying the signed webhooks', () => {
  const secret = newSecret();
  const handled: Array<{ id: string; event: AllianceEvent }> = [];
  let server: http.Server;
  let url: string;

  const event: AllianceEvent = {
    type: 'ContentPublished',
    timestamp: '2026-12-03T08:00:00.000Z',
    data: { id: 'c-1', title: 'Pandas at dawn' },
  };

  /** How {@link deliver} signs and sends: `sent` is the body sent when it differs from the one signed. */
  interface Delivery {
    body?: string;
    at?: Date;
    signer?: Webhook;
    sent?: string;
  }

  /** POSTs `body` with the three headers, signed by `signer` for `id` at `at`. */
  const deliver = (id: string, options: Delivery = {}) => {
    const { body = JSON.stringify(event), at = new Date(), signer = new Webhook(secret) } = options;
    return fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signer.sign(id, at, body),
      },
      body: options.sent ?? body,
    });
  };

  beforeAll(async () => {
    server = createReceiver({ secret, onEvent: (received, id) => void handled.push({ id, event: received }) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => void handled.splice(0));

  it('accepts a delivery signed with the secret with 204, then handles its event', async () => {
    const response = await deliver('msg_accepted');
    expect(response.status).toBe(204);
    await until(() => handled.length === 1);
    expect(handled).toEqual([{ id: 'msg_accepted', event }]);
  });

  it('answers a repeated id with 204 again but handles the event once', async () => {
    expect((await deliver('msg_twice')).status).toBe(204);
    expect((await deliver('msg_twice')).status).toBe(204);
    expect((await deliver('msg_after')).status).toBe(204);
    await until(() => handled.length === 2);
    expect(handled.map((h) => h.id)).toEqual(['msg_twice', 'msg_after']);
  });

  it('refuses with 401 a body changed after signing, a signature with another secret, and missing headers', async () => {
    const tampered = await deliver('msg_tampered', { sent: JSON.stringify({ ...event, type: 'MemberStatusChanged' }) });
    expect(tampered.status).toBe(401);
    const otherSecret = await deliver('msg_other', { signer: new Webhook(newSecret()) });
    expect(otherSecret.status).toBe(401);
    const unsigned = await fetch(url, { method: 'POST', body: JSON.stringify(event) });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.text()).toBe('Missing required headers');
    expect(handled).toEqual([]);
  });

  it('refuses with 401 a correctly signed delivery whose timestamp is 10 minutes old or ahead (a replay)', async () => {
    const old = await deliver('msg_old', { at: new Date(Date.now() - 10 * 60_000) });
    expect(old.status).toBe(401);
    expect(await old.text()).toBe('Message timestamp too old');
    const ahead = await deliver('msg_ahead', { at: new Date(Date.now() + 10 * 60_000) });
    expect(ahead.status).toBe(401);
    // A refused delivery leaves its id free: the genuine retry is handled.
    expect((await deliver('msg_old')).status).toBe(204);
    await until(() => handled.length === 1);
    expect(handled[0]!.id).toBe('msg_old');
  });

  it('answers 405 to anything but POST and 413 to a body over 1 MiB', async () => {
    expect((await fetch(url)).status).toBe(405);
    const huge = await deliver('msg_huge', {
      body: JSON.stringify({ ...event, data: { text: 'x'.repeat(1_100_000) } }),
    });
    expect(huge.status).toBe(413);
    expect(handled).toEqual([]);
  });
});
