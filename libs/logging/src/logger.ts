import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Paths never written to a log, whatever a caller passes: credentials in requests and any field
 * that is named like a secret. Secret *values* are also kept out by construction (services log
 * keys, never values); this list is the second line of defence.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'token',
  'password',
  'secret',
  'value',
  'plaintext',
  '*.token',
  '*.password',
  '*.secret',
  '*.secrets',
  '*.value',
  '*.vars',
  '*.plaintext',
  '*.authorization',
];

export interface LoggerOptions {
  /** The process's name, written as `service` on every line. */
  service: string;
  level?: string;
  /** Where lines go; stdout by default. Tests pass a capturing stream. */
  destination?: DestinationStream;
}

/** A structured JSON logger, one line per event, with credentials redacted. */
export function createLogger({ service, level = 'info', destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
