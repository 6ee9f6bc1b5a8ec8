import { pino, type Logger as Pino, type DestinationStream } from 'pino';
import { logLevelsFrom, type LogLevelName } from '#switchyard/contracts';

/** Nest's level names on pino's. */
const PINO_LEVEL: Record<LogLevelName | 'fatal', string> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * A logger for Nest's `logger` option (it has the methods of Nest's LoggerService; Nest itself
 * is not a dependency of the libs) that writes one JSON object per line through pino:
 * `{"level":30,"time":"…","role":"worker","pid":1,"context":"Worker","msg":"…"}`. Objects
 * logged as the message are merged in as fields.
 */
export class JsonLogger {
  private readonly pino: Pino;

  constructor(role: string, level: LogLevelName, destination?: DestinationStream) {
    this.pino = pino(
      {
        level: PINO_LEVEL[level],
        base: { role, pid: process.pid },
        timestamp: pino.stdTimeFunctions.isoTime,
      },
      destination ?? pino.destination({ sync: true }),
    );
  }

  /** Info level (Nest's `log`). */
  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  /** Error level; Nest passes the stack before the context. */
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest, true);
  }

  /** Warn level. */
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  /** Debug level. */
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  /** Trace level (Nest's `verbose`). */
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  /** Fatal level. */
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest, true);
  }

  private write(level: string, message: unknown, rest: unknown[], withStack = false): void {
    const args = [...rest];
    // Nest's Logger instances pass their context last.
    const context = typeof args.at(-1) === 'string' ? (args.pop() as string) : undefined;
    const stack = withStack && typeof args[0] === 'string' ? (args.shift() as string) : undefined;
    const fields: Record<string, unknown> = {
      ...(context ? { context } : {}),
      ...(stack ? { stack } : {}),
    };
    if (message instanceof Error) {
      this.pino[level as 'info']({ ...fields, err: message }, message.message);
    } else if (message !== null && typeof message === 'object') {
      this.pino[level as 'info']({ ...fields, ...(message as object) });
    } else {
      this.pino[level as 'info'](fields, String(message));
    }
  }
}

/**
 * What to give Nest's `logger` option: JSON lines through pino (`LOG_FORMAT=json`, for
 * production log pipelines), or Nest's own readable console lines at `level` and above.
 */
export function loggerFor(
  role: string,
  format: string,
  level: LogLevelName,
): JsonLogger | LogLevelName[] {
  return format === 'json' ? new JsonLogger(role, level) : logLevelsFrom(level);
}
