import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Header of the gateway's signed identity assertion (see identity.ts; repeated to keep this module import-free). */
const ASSERTION = '["x-gateway-assertion"]';

/**
 * Where credentials could sit in a logged object: request headers (Express and fetch
 * alike), and fields named after a credential, at the top level or one level down (e.g. a
 * credential check's `{ apiKey }` logged as `body`). The services log none of these today
 * (test/e2e/log-secrets.test.ts searches every line of a verbose run); this keeps a future
 * `logger.debug({ req })` from writing one.
 */
const REDACTED_PATHS = [
  ...['req.headers', 'headers', '*.headers'].flatMap((headers) => [
    `${headers}.authorization`,
    `${headers}.cookie`,
    `${headers}${ASSERTION}`,
  ]),
  ...['authorization', 'apiKey', 'secret', 'password', 'token', 'accessToken', 'access_token', 'assertion'].flatMap(
    (field) => [field, `*.${field}`],
  ),
];

/**
 * JSON-lines logger for a service, on stdout unless `destination` is given; `fields` adds
 * fields to every line (the active trace id, `traceIdLogFields` of `tracing.ts`). Authorization
 * headers, assertions and credentials are redacted wherever they appear so that secrets
 * never reach the logs.
 */
export function createLogger(
  service: string,
  level: string,
  destination?: DestinationStream,
  fields?: () => object,
): Logger {
  return pino(
    {
      name: service,
      // E.g. the trace id of the request being served (kit/tracing.ts), only where tracing is on.
      ...(fields ? { mixin: fields } : {}),
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
