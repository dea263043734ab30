/**
 * The image's HEALTHCHECK: `node dist/scripts/healthcheck.js [path]` asks this container's
 * service for `path` (default `/healthz`) on 127.0.0.1 and exits 0 when it answers 2xx, 1
 * otherwise. The port is the service's PORT or, when unset, its default port from the registry
 * (`DEFAULT_PORTS`: the gateway's, and each subgraph's from its descriptor), so the Dockerfile
 * holds no port table to keep in step with the subgraphs.
 */
import type * as Registry from '../subgraphs';
import { GATEWAY_DEFAULT_PORT } from '../subgraphs/kit/config';

/** How long the check waits for an answer; the HEALTHCHECK's own timeout is 3 s. */
const TIMEOUT_MS = 2_500;

/**
 * The port of the service `env` describes: PORT when set, else the default port of SERVICE.
 * Throws for a SERVICE that is neither the gateway nor a registered subgraph.
 */
export function healthcheckPort(env: NodeJS.ProcessEnv): number {
  if (env.PORT) return Number(env.PORT);
  const service = env.SERVICE ?? 'gateway';
  if (service === 'gateway') return GATEWAY_DEFAULT_PORT;
  // Loaded only here: the registry imports every subgraph's code, which PORT or the gateway spare.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DEFAULT_PORTS } = require('../subgraphs') as typeof Registry;
  const port = (DEFAULT_PORTS as Readonly<Record<string, number>>)[service];
  if (port === undefined) throw new Error(`SERVICE "${service}" is not a service with a port`);
  return port;
}

async function main(): Promise<void> {
  const path = process.argv[2] ?? '/healthz';
  const response = await fetch(`http://127.0.0.1:${healthcheckPort(process.env)}${path}`, {
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  process.exit(response.ok ? 0 : 1);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`unhealthy: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
