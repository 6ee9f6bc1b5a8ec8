const LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
/** A log level, most severe first (the names Nest's logger uses). */
export type LogLevelName = (typeof LEVELS)[number];

/** Every level at or above `level` in severity, for Nest's `logger` option. */
export function logLevelsFrom(level: string): LogLevelName[] {
  const index = LEVELS.indexOf(level as LogLevelName);
  return LEVELS.slice(0, index < 0 ? 3 : index + 1);
}
