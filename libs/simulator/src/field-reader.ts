import { ScenarioError } from './scenario-error.js';
import { parseBytes, parseDurationMs } from './units.js';

type Json = Record<string, unknown>;

/**
 * Reads one JSON object of a scenario file field by field, so every error names the field's
 * full path (e.g. `workload[2].arrival.ratePerSecond`) and unknown keys are refused, not ignored.
 */
export class FieldReader {
  private readonly seen = new Set<string>();

  constructor(
    readonly path: string,
    private readonly value: Json,
  ) {}

  /** A reader over `value`, which must be a plain object. */
  static of(path: string, value: unknown): FieldReader {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ScenarioError(path, `must be an object (got ${JSON.stringify(value)})`);
    }
    return new FieldReader(path, value as Json);
  }

  /** Whether the key is present. */
  has(key: string): boolean {
    return this.value[key] !== undefined;
  }

  /** The raw value of a key, marked as read. */
  raw(key: string): unknown {
    this.seen.add(key);
    return this.value[key];
  }

  /** Path of a key, for messages. */
  at(key: string): string {
    return `${this.path}.${key}`;
  }

  /** A finite number within bounds; `fallback` when absent (required when undefined). */
  number(
    key: string,
    options: { min?: number; max?: number; integer?: boolean; fallback?: number } = {},
  ): number {
    const raw = this.raw(key);
    if (raw === undefined) {
      if (options.fallback !== undefined) return options.fallback;
      throw new ScenarioError(this.at(key), 'is required');
    }
    if (typeof raw !== 'number' || !Number.isFinite(raw)) {
      throw new ScenarioError(this.at(key), `must be a number (got ${JSON.stringify(raw)})`);
    }
    if (options.integer && !Number.isInteger(raw)) {
      throw new ScenarioError(this.at(key), `must be an integer (got ${raw})`);
    }
    if (options.min !== undefined && raw < options.min) {
      throw new ScenarioError(this.at(key), `must be >= ${options.min} (got ${raw})`);
    }
    if (options.max !== undefined && raw > options.max) {
      throw new ScenarioError(this.at(key), `must be <= ${options.max} (got ${raw})`);
    }
    return raw;
  }

  /** An optional number (see number). */
  optionalNumber(
    key: string,
    options: { min?: number; max?: number; integer?: boolean } = {},
  ): number | undefined {
    return this.has(key) ? this.number(key, options) : (this.raw(key) as undefined);
  }

  /** A string; `fallback` when absent (required when undefined). */
  string(key: string, fallback?: string): string {
    const raw = this.raw(key);
    if (raw === undefined && fallback !== undefined) return fallback;
    if (typeof raw !== 'string' || raw.length === 0) {
      throw new ScenarioError(
        this.at(key),
        `must be a non-empty string (got ${JSON.stringify(raw)})`,
      );
    }
    return raw;
  }

  /** A boolean; `fallback` when absent. */
  boolean(key: string, fallback: boolean): boolean {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    if (typeof raw !== 'boolean') {
      throw new ScenarioError(this.at(key), `must be true or false (got ${JSON.stringify(raw)})`);
    }
    return raw;
  }

  /** A duration in ms from a number or "90s"-style string; `fallback` when absent. */
  duration(key: string, fallback?: number): number {
    const raw = this.raw(key);
    if (raw === undefined) {
      if (fallback !== undefined) return fallback;
      throw new ScenarioError(this.at(key), 'is required');
    }
    try {
      return parseDurationMs(raw);
    } catch (error) {
      throw new ScenarioError(this.at(key), (error as Error).message);
    }
  }

  /** An optional duration (see duration). */
  optionalDuration(key: string): number | undefined {
    return this.has(key) ? this.duration(key) : (this.raw(key) as undefined);
  }

  /** Bytes from a number or a "72GiB"-style string. */
  bytes(key: string): number {
    try {
      return parseBytes(this.raw(key));
    } catch (error) {
      throw new ScenarioError(this.at(key), (error as Error).message);
    }
  }

  /** An array; `fallback` when absent. */
  array(key: string, fallback?: unknown[]): unknown[] {
    const raw = this.raw(key);
    if (raw === undefined && fallback !== undefined) return fallback;
    if (!Array.isArray(raw)) {
      throw new ScenarioError(this.at(key), `must be an array (got ${JSON.stringify(raw)})`);
    }
    return raw;
  }

  /** A nested object's reader; an empty one when absent and `optional`. */
  object(key: string, optional = false): FieldReader {
    const raw = this.raw(key);
    if (raw === undefined && optional) return new FieldReader(this.at(key), {});
    return FieldReader.of(this.at(key), raw);
  }

  /** The keys present, for maps keyed by name. */
  keys(): string[] {
    return Object.keys(this.value).filter((k) => this.value[k] !== undefined);
  }

  /** Throws on any key that was never read: a typo must not silently fall back to a default. */
  done(): void {
    const unknown = this.keys().filter((k) => !this.seen.has(k));
    if (unknown.length > 0) {
      throw new ScenarioError(
        this.path,
        `unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}`,
      );
    }
  }
}
