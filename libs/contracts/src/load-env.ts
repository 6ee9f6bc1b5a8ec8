import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { InvalidConfigFileError, readFleetConfigFile } from './fleet-config-file.js';

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
  const read = (key: string, value: string) => {
    // The default's type says how to read the text; a non-number stays text so the validator names it.
    const numeric = typeof defaults[key] === 'number' && /^-?\d+(\.\d+)?$/.test(value.trim());
    raw[key] = numeric ? Number(value) : value;
  };
  // Settings from the config file, then the environment over them.
  const configFile = source.SWITCHYARD_CONFIG;
  const fromFile = configFile ? readConfigFile(configFile) : {};
  for (const [key, value] of Object.entries(fromFile)) read(key, String(value));
  const fromEnv = new Set<string>();
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === undefined || value === '') continue;
    read(key, value);
    fromEnv.add(key);
  }
  const env = plainToInstance(envClass, raw);
  const errors = validateSync(env, { whitelist: false });
  if (errors.length > 0) {
    throw new InvalidEnvironmentError(
      errors.flatMap((e) => {
        const where =
          e.property in fromFile && !fromEnv.has(e.property) ? ` (set in ${configFile})` : '';
        return Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` }).map(
          (message) => `${message}${where}`,
        );
      }),
    );
  }
  return env;
}

/** The flat settings of the config file, its problems raised as InvalidEnvironmentError. */
function readConfigFile(path: string): Record<string, string | number | boolean> {
  try {
    return readFleetConfigFile(path);
  } catch (error) {
    if (error instanceof InvalidConfigFileError) throw new InvalidEnvironmentError(error.problems);
    throw error;
  }
}
