import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/** Raised at start-up when an environment variable is invalid; the message names each one. */
export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid environment:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

/**
 * Reads and validates the environment into an instance of `envClass` (defaults come from its
 * field initializers). Empty strings count as unset. Throws InvalidEnvironmentError.
 */
export function loadEnv<T extends object>(
  envClass: new () => T,
  source: NodeJS.ProcessEnv = process.env,
): T {
  const defaults = new envClass() as Record<string, unknown>;
  const raw: Record<string, unknown> = { ...defaults };
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === undefined || value === '') continue;
    // The default's type says how to read the text; a non-number stays text so the validator names it.
    const numeric = typeof defaults[key] === 'number' && /^-?\d+(\.\d+)?$/.test(value.trim());
    raw[key] = numeric ? Number(value) : value;
  }
  const env = plainToInstance(envClass, raw);
  const errors = validateSync(env, { whitelist: false });
  if (errors.length > 0) {
    throw new InvalidEnvironmentError(
      errors.flatMap((e) =>
        Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` }),
      ),
    );
  }
  return env;
}
