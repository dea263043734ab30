import type { GatewayConfig } from './config';

/**
 * `@apollo/gateway` sends usage telemetry to Apollo's cloud unless `APOLLO_TELEMETRY_DISABLED` is
 * `true` or `1`: constructing `ApolloGateway` starts an OpenTelemetry metrics exporter whose
 * cloud-resource detectors look up `metadata.google.internal` at once, and which reports to
 * `usage-reporting.api.apollographql.com` every hour and on shutdown. A self-hosted platform makes
 * no connection its operators did not configure, so the gateway turns it off itself, whatever the
 * environment says, unless the operator opts in with `APOLLO_GATEWAY_TELEMETRY=true` (which leaves
 * `APOLLO_TELEMETRY_DISABLED` as the environment has it).
 * Call before `new ApolloGateway(...)`: the gateway reads the variable in its constructor.
 */
export function applyApolloTelemetryChoice(config: Pick<GatewayConfig, 'apolloTelemetry'>): void {
  if (!config.apolloTelemetry) process.env.APOLLO_TELEMETRY_DISABLED = 'true';
}
