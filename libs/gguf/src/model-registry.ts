import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { readModelInfo, type ModelInfo } from './model-info.js';

/** Options of `ModelRegistry.scan`. */
export interface ModelRegistryScanOptions {
  /** JSON file `{"models": [{"name": "...", "path": "..."}]}`; paths are relative to it. */
  manifestPath?: string;
}

interface Candidate {
  name: string;
  path: string;
  source: string;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function directoryCandidates(dir: string, problems: string[]): Promise<Candidate[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    // A models folder that does not exist yet is an empty registry, not a failure.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      problems.push(`${dir}: cannot list models: ${errorMessage(error)}`);
    }
    return [];
  }
  return entries
    .filter((entry) => entry.toLowerCase().endsWith('.gguf'))
    .map((entry) => ({
      name: entry.slice(0, -'.gguf'.length),
      path: join(dir, entry),
      source: dir,
    }));
}

async function manifestCandidates(manifestPath: string, problems: string[]): Promise<Candidate[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (error) {
    problems.push(`${manifestPath}: cannot read manifest: ${errorMessage(error)}`);
    return [];
  }
  const models = (parsed as { models?: unknown } | null)?.models;
  if (!Array.isArray(models)) {
    problems.push(`${manifestPath}: manifest has no "models" array`);
    return [];
  }
  const candidates: Candidate[] = [];
  models.forEach((entry: unknown, index) => {
    const { name, path } = (entry ?? {}) as { name?: unknown; path?: unknown };
    if (typeof name !== 'string' || name === '' || typeof path !== 'string' || path === '') {
      problems.push(`${manifestPath}: models[${index}] needs a non-empty "name" and "path"`);
      return;
    }
    candidates.push({ name, path: resolve(dirname(manifestPath), path), source: manifestPath });
  });
  return candidates;
}

/** The models a process can serve: GGUF files of a folder plus a manifest, read once at scan. */
export class ModelRegistry {
  private constructor(
    private readonly models: ReadonlyMap<string, ModelInfo>,
    /** One line per file or manifest entry that was skipped, and why. */
    readonly problems: string[],
  ) {}

  /**
   * Reads every *.gguf in `dir` and every manifest entry; unreadable ones are skipped and reported
   * in `problems`. A manifest entry wins over a file of the same name.
   */
  static async scan(dir: string, options: ModelRegistryScanOptions = {}): Promise<ModelRegistry> {
    const problems: string[] = [];
    const candidates = await directoryCandidates(dir, problems);
    if (options.manifestPath !== undefined) {
      candidates.push(...(await manifestCandidates(options.manifestPath, problems)));
    }
    const infos = await Promise.all(
      candidates.map(async (candidate) => {
        try {
          return await readModelInfo(candidate.path, candidate.name);
        } catch (error) {
          problems.push(
            `${candidate.path}: skipped, not a readable GGUF model: ${errorMessage(error)}`,
          );
          return undefined;
        }
      }),
    );
    const models = new Map<string, ModelInfo>();
    infos.forEach((info, i) => {
      if (info === undefined) return;
      const previous = models.get(info.name);
      if (previous !== undefined) {
        problems.push(
          `model "${info.name}" is defined twice: ${candidates[i].source} (${info.path}) replaces ${previous.path}`,
        );
      }
      models.set(info.name, info);
    });
    return new ModelRegistry(models, problems);
  }

  /** All models, sorted by name (numbers in names compare as numbers). */
  list(): ModelInfo[] {
    // Numeric-aware with a fixed locale: synth-5m before synth-50m, the same on every machine.
    return [...this.models.values()].sort((a, b) =>
      a.name.localeCompare(b.name, 'en', { numeric: true }),
    );
  }

  /** The model called `name`, if any. */
  get(name: string): ModelInfo | undefined {
    return this.models.get(name);
  }

  /** Model names, sorted. */
  names(): string[] {
    return this.list().map((model) => model.name);
  }
}
