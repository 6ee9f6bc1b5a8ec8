import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsArray,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateNested,
  validateSync,
  type ValidationError,
} from 'class-validator';

/** A setting's value as a config file may give it. */
export type SettingValue = string | number | boolean;

class InteractiveClassConfig {
  /** Becomes SLA_INTERACTIVE_TTFT_MS. */
  @IsInt()
  @Min(1)
  @IsOptional()
  timeToFirstTokenMs?: number;
}

class StandardClassConfig {
  /** Becomes SLA_STANDARD_COMPLETION_MS. */
  @IsInt()
  @Min(1)
  @IsOptional()
  completionMs?: number;
}

class BatchClassConfig {
  /** Becomes SLA_BATCH_COMPLETION_MS. */
  @IsInt()
  @Min(1)
  @IsOptional()
  completionMs?: number;

  /** Becomes BATCH_FLOOR_SHARE. */
  @IsNumber()
  @Min(0)
  @Max(1)
  @IsOptional()
  floorShare?: number;
}

class ClassesConfig {
  @ValidateNested()
  @Type(() => InteractiveClassConfig)
  @IsOptional()
  interactive?: InteractiveClassConfig;

  @ValidateNested()
  @Type(() => StandardClassConfig)
  @IsOptional()
  standard?: StandardClassConfig;

  @ValidateNested()
  @Type(() => BatchClassConfig)
  @IsOptional()
  batch?: BatchClassConfig;
}

class ModelEntryConfig {
  @IsString()
  @IsNotEmpty()
  name!: string;

  /** Relative to the config file's folder. */
  @IsString()
  @IsNotEmpty()
  path!: string;
}

class FleetConfigSections {
  @ValidateNested()
  @Type(() => ClassesConfig)
  @IsOptional()
  classes?: ClassesConfig;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ModelEntryConfig)
  @IsOptional()
  models?: ModelEntryConfig[];
}

/** Where each field of the `classes` section lands among the flat settings. */
const CLASS_SETTINGS: Record<string, Record<string, string>> = {
  interactive: { timeToFirstTokenMs: 'SLA_INTERACTIVE_TTFT_MS' },
  standard: { completionMs: 'SLA_STANDARD_COMPLETION_MS' },
  batch: { completionMs: 'SLA_BATCH_COMPLETION_MS', floorShare: 'BATCH_FLOOR_SHARE' },
};

/**
 * Reads a fleet config file (SWITCHYARD_CONFIG) into flat settings, as the environment spells
 * them. The file is a JSON object of:
 * - settings by name (`"SCHEDULER_POLICY": "lru"`), for any process of the fleet;
 * - `classes`: each priority class's SLA (`interactive.timeToFirstTokenMs`,
 *   `standard.completionMs`, `batch.completionMs`) and the batch floor (`batch.floorShare`);
 * - `models`: `[{ "name", "path" }]`, the models the fleet serves beside MODELS_DIR (the file is
 *   then also the models manifest: MODELS_MANIFEST defaults to it).
 * Every problem is named by its place in the file. Throws InvalidConfigFileError.
 */
export function readFleetConfigFile(path: string): Record<string, SettingValue> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidConfigFileError([`SWITCHYARD_CONFIG ${path}: ${(error as Error).message}`]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidConfigFileError([
      `SWITCHYARD_CONFIG ${path}: must hold a JSON object of settings, e.g. {"SLA_INTERACTIVE_TTFT_MS": 1500}`,
    ]);
  }
  const problems: string[] = [];
  const settings: Record<string, SettingValue> = {};
  const sections: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'classes' || key === 'models') sections[key] = value;
    else if (!/^[A-Z][A-Z0-9_]*$/.test(key)) {
      problems.push(
        `"${key}" is neither a setting name (UPPER_SNAKE_CASE) nor a section (classes, models)`,
      );
    } else if (!['string', 'number', 'boolean'].includes(typeof value)) {
      problems.push(`${key} must be a string, number or boolean`);
    } else settings[key] = value as SettingValue;
  }
  const document = plainToInstance(FleetConfigSections, sections);
  const errors = validateSync(document, { whitelist: true, forbidNonWhitelisted: true });
  problems.push(...errors.flatMap((e) => describe(e, '')));
  if (problems.length === 0) {
    for (const [className, fields] of Object.entries(document.classes ?? {})) {
      for (const [field, value] of Object.entries(fields ?? {})) {
        const name = CLASS_SETTINGS[className][field];
        if (name in settings)
          problems.push(`${name} is set twice: as ${name} and as classes.${className}.${field}`);
        settings[name] = value as number;
      }
    }
    if (document.models && !('MODELS_MANIFEST' in settings)) settings.MODELS_MANIFEST = path;
  }
  if (problems.length > 0) {
    throw new InvalidConfigFileError(problems.map((p) => `SWITCHYARD_CONFIG ${path}: ${p}`));
  }
  return settings;
}

/** Raised when the config file itself is unreadable or malformed; each problem names its place. */
export class InvalidConfigFileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'InvalidConfigFileError';
  }
}

/** Class-validator's nested errors as `classes.batch.floorShare must not be greater than 1`. */
function describe(error: ValidationError, parent: string): string[] {
  const where = /^\d+$/.test(error.property)
    ? `${parent}[${error.property}]`
    : parent === ''
      ? error.property
      : `${parent}.${error.property}`;
  const own = Object.values(error.constraints ?? {}).map((message) =>
    message.startsWith(`property ${error.property} should not exist`)
      ? `${where} is not a known field`
      : message.replace(error.property, where),
  );
  return [...own, ...(error.children ?? []).flatMap((child) => describe(child, where))];
}
