/**
 * V8 options the gateway process runs with, passed through `NODE_OPTIONS` by every launcher
 * (`npm start`, `npm run start:gateway`, Docker Compose, the benchmark).
 *
 * Why: a CPU profile of the gateway under the cross-subgraph benchmark (S2, `npm run bench --
 * --profile`) put 12–15 % of its busy time in garbage collection. The gateway allocates a lot
 * of short-lived objects per request (parsed subgraph responses, shaped results); with 64 MiB
 * young-generation semi-spaces they die young instead of being copied and promoted, which cut
 * gateway CPU per S2 operation by about 16 % for about 50 MiB more resident memory.
 */
export const GATEWAY_NODE_OPTIONS = '--max-semi-space-size=64';

/** `NODE_OPTIONS` for a gateway process: the caller's own options, then the gateway's. */
export function gatewayNodeOptions(existing: string | undefined): string {
  return existing?.includes('--max-semi-space-size')
    ? existing
    : [existing, GATEWAY_NODE_OPTIONS].filter(Boolean).join(' ');
}
