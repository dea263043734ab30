import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sendDelivery } from '../../subgraphs/membership/webhooks/send';
import { UrlGuard } from '../../subgraphs/membership/webhooks/ssrf';

/**
 * Webhook delivery to an HTTPS receiver whose certificate the platform cannot trust (self-signed,
 * or issued for another name): the attempt fails before any byte of the delivery is sent, and its
 * log says so in the owner's terms, never with the TLS library's internals. The certificate is made
 * for this run with the machine's `openssl` (no key is kept in the repository).
 */
describe('webhook delivery over HTTPS', () => {
  let dir: string;
  let server: https.Server;
  let port: number;
  const received: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=receiver.example',
        '-addext',
        'subjectAltName=DNS:receiver.example',
        '-days',
        '1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    server = https.createServer(
      { key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) },
      (req, res) => {
        received.push(`${req.method} ${req.url}`);
        res.writeHead(204).end();
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The guard as tests allow it (loopback receivers), every name resolving to the test's server. */
  const guard = new UrlGuard({ allowHttp: false, allowPrivate: true }, async () => [
    { address: '127.0.0.1', family: 4 },
  ]);

  const deliver = (host: string) =>
    sendDelivery({
      guard,
      url: `https://${host}:${port}/hooks`,
      headers: { 'webhook-id': 'msg_test' },
      body: JSON.stringify({ type: 'content.published' }),
      timeoutMs: 2_000,
    });

  it('refuses a self-signed certificate: a failed attempt in plain words, nothing delivered', async () => {
    const before = received.length;
    const result = await deliver('receiver.example');
    expect(result).toEqual({ ok: false, status: null, error: 'the TLS certificate is not valid for the URL' });
    expect(received.length).toBe(before);
  });

  it("delivers to a receiver whose certificate is trusted, checked against the URL's name, not the pinned address", async () => {
    // Trust comes from the process's CA list, fixed at start: a child with the certificate added.
    const before = received.length;
    const script = path.join(dir, 'deliver.ts');
    fs.writeFileSync(
      script,
      `import { sendDelivery } from ${JSON.stringify(path.resolve('subgraphs/membership/webhooks/send.ts'))};
import { UrlGuard } from ${JSON.stringify(path.resolve('subgraphs/membership/webhooks/ssrf.ts'))};
const guard = new UrlGuard({ allowHttp: false, allowPrivate: true }, async () => [{ address: '127.0.0.1', family: 4 }]);
const send = (host: string) =>
  sendDelivery({ guard, url: \`https://\${host}:${port}/hooks\`, headers: {}, body: '{}', timeoutMs: 2000 });
void (async () => {
  const results = [await send('receiver.example'), await send('other.example')];
  process.stdout.write(JSON.stringify(results));
})();
`,
    );
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', script],
        { env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') } },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    expect(JSON.parse(output)).toEqual([
      { ok: true, status: 204, error: null },
      // The same trusted certificate, for a URL whose name it does not cover.
      { ok: false, status: null, error: 'the TLS certificate is not valid for the URL' },
    ]);
    expect(received.slice(before)).toEqual(['POST /hooks']);
  });

  it('answers a plain-HTTP URL with the refusal the production policy gives, before connecting', async () => {
    const before = received.length;
    const result = await sendDelivery({
      guard,
      url: `http://receiver.example:${port}/hooks`,
      headers: {},
      body: '{}',
      timeoutMs: 2_000,
    });
    expect(result).toEqual({ ok: false, status: null, error: 'refused: url must be an https:// URL' });
    expect(received.length).toBe(before);
  });
});
