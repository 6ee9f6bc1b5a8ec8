import type { ValidationError } from 'class-validator';
import type { ApiEnv } from '../config/api-env.js';

/**
 * A request DTO with bounds that come from the environment (decorators are static), checked by
 * the validation pipe together with the decorators so that one 400 names every bad field.
 */
export interface EnvLimited {
  /** Errors for the fields that break a limit of `env`; fields that failed their decorators are skipped. */
  checkLimits(env: ApiEnv): ValidationError[];
}

/** Whether a validated object carries environment-dependent limits. */
export function isEnvLimited(value: unknown): value is EnvLimited {
  return typeof (value as Partial<EnvLimited> | null)?.checkLimits === 'function';
}
