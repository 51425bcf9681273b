import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** JSON logs on stdout (one line per event), as log shippers expect. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'dialback' } });
}
