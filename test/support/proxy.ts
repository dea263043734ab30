import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the proxy treats the next requests. */
export type ProxyMode =
  | { kind: 'pass' }
  | { kind: 'delay'; ms: number }
  | { kind: 'reset-once' }
  /** Answers the subgraph's response body as `body` rewrites it: a subgraph that breaks its schema. */
  | { kind: 'rewrite'; body: (text: string) => string };

/**
 * A controllable HTTP proxy in front of a real subgraph, to make it slow, drop a
 * connection, go away entirely, as networks and processes do, or answer what it should not.
 */
export class FaultProxy {
  private server: http.Server | undefined;
  private port = 0;
  mode: ProxyMode = { kind: 'pass' };
  /** Requests received, and requests whose client gave up before the answer. */
  received = 0;
  abandoned = 0;

  constructor(private readonly target: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts listening (again, on the same port after {@link down}). */
  async up(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stops listening and cuts open connections: the subgraph is gone. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.received += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.mode.kind === 'reset-once') {
      this.mode = { kind: 'pass' };
      req.socket.destroy();
      return;
    }
    if (this.mode.kind === 'delay') {
      const ms = this.mode.ms;
      const gaveUp = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        res.once('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (gaveUp) {
        this.abandoned += 1;
        return;
      }
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
    ) as Record<string, string>;
    const upstream = await fetch(`${this.target}${req.url ?? '/'}`, {
      method: req.method,
      headers,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    const body = Buffer.from(await upstream.arrayBuffer());
    res.end(this.mode.kind === 'rewrite' ? this.mode.body(body.toString('utf8')) : body);
  }
}
