// One pino logger per process. Transports are avoided on purpose: they load modules in worker
// threads by path, which a single-file executable cannot do; pretty-printing runs in process.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };
export type LogFormat = 'json' | 'text';
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export function createLogger(level: LogLevel, format: LogFormat): Logger {
  const options = { level, base: { pid: process.pid } };
  if (format === 'text') {
    return pino(options, pretty({ sync: true, colorize: process.stderr.isTTY, destination: 2, ignore: 'pid,hostname' }));
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}
