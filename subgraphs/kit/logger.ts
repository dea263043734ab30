import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON-lines logger for a service. Authorization headers and credentials are redacted
 * wherever they appear so that secrets never reach the logs.
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.password', '*.secret', '*.apiKey'],
      censor: '[redacted]',
    },
  });
}
