import { readFileSync } from 'node:fs';
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

/**
 * The settings of a config file (SWITCHYARD_CONFIG): a JSON object of setting names (as the
 * environment spells them) to strings, numbers or booleans. One file can serve every process of
 * a fleet: each takes the settings it knows. Throws InvalidEnvironmentError naming the problem.
 */
function readConfigFile(path: string): Record<string, string | number | boolean> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidEnvironmentError([`SWITCHYARD_CONFIG ${path}: ${(error as Error).message}`]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidEnvironmentError([
      `SWITCHYARD_CONFIG ${path}: must hold a JSON object of settings, e.g. {"SLA_INTERACTIVE_TTFT_MS": 1500}`,
    ]);
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(key)) {
      problems.push(`SWITCHYARD_CONFIG ${path}: "${key}" is not a setting name (UPPER_SNAKE_CASE)`);
    } else if (!['string', 'number', 'boolean'].includes(typeof value)) {
      problems.push(`SWITCHYARD_CONFIG ${path}: ${key} must be a string, number or boolean`);
    }
  }
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return parsed as Record<string, string | number | boolean>;
}
