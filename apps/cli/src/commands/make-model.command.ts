import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  countParameters,
  GGUF_TENSOR_TYPES,
  isPresetName,
  MODEL_PRESETS,
  presetNames,
  syntheticModelBytes,
  writeSyntheticModel,
  type GgufTensorType,
  type SyntheticModelShape,
} from '#switchyard/gguf';

const DEFAULT_MODEL = 'synth-5m';

const USAGE = `usage: switchyard make-model <preset|custom> [options]
       switchyard make-model --list

Writes a synthetic llama GGUF model (seeded random weights: gibberish text, real cost).

presets: ${presetNames().join(', ')} (see --list); "custom" needs --dim and --layers

options:
  --out DIR       folder to write <name>.gguf into (default models/)
  --type T        weight type: ${GGUF_TENSOR_TYPES.join(', ')} (default Q8_0)
  --seed N        weights seed (same seed, same bytes)
  --name NAME     model and file name (default: the preset, with -f16/-f32 for other types)
  --dim N --layers N --heads N --kv-heads N --ff N --vocab N --context N
                  shape; on a preset they override its values
  --if-missing    do nothing when the file already exists
  --list          print the presets with their parameter counts and sizes`;

const OPTIONS = {
  out: { type: 'string', default: 'models' },
  type: { type: 'string' },
  seed: { type: 'string' },
  name: { type: 'string' },
  dim: { type: 'string' },
  layers: { type: 'string' },
  heads: { type: 'string' },
  'kv-heads': { type: 'string' },
  ff: { type: 'string' },
  vocab: { type: 'string' },
  context: { type: 'string' },
  list: { type: 'boolean', default: false },
  'if-missing': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Flags = ReturnType<typeof parseFlags>['values'];

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs' TypeErrors name the flag; add the usage so the fix is on screen.
    throw new Error(`make-model: ${(error as Error).message}\n\n${USAGE}`, { cause: error });
  }
}

function integerFlag(flags: Flags, flag: keyof Flags, min = 1): number | undefined {
  const raw = flags[flag];
  if (raw === undefined || typeof raw !== 'string') return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new Error(`make-model: --${flag} must be an integer >= ${min} (got "${raw}")`);
  }
  return value;
}

function tensorTypeFlag(flags: Flags): GgufTensorType | undefined {
  if (flags.type === undefined) return undefined;
  const type = GGUF_TENSOR_TYPES.find((t) => t.toLowerCase() === flags.type!.toLowerCase());
  if (type === undefined) {
    throw new Error(
      `make-model: --type must be one of ${GGUF_TENSOR_TYPES.join(', ')} (got "${flags.type}")`,
    );
  }
  return type;
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/** The shape asked for: a preset with overrides, or a custom shape with llama-like defaults. */
function shapeFromArgs(target: string, flags: Flags): SyntheticModelShape {
  const type = tensorTypeFlag(flags);
  const overrides = {
    dim: integerFlag(flags, 'dim'),
    layers: integerFlag(flags, 'layers'),
    heads: integerFlag(flags, 'heads'),
    kvHeads: integerFlag(flags, 'kv-heads'),
    ffDim: integerFlag(flags, 'ff'),
    vocabSize: integerFlag(flags, 'vocab'),
    contextLength: integerFlag(flags, 'context'),
    seed: integerFlag(flags, 'seed', 0),
  };
  let base: SyntheticModelShape;
  if (isPresetName(target)) {
    base = MODEL_PRESETS[target];
    // Another precision of a preset gets its own file instead of replacing the Q8_0 one.
    const suffix = type === undefined || type === base.type ? '' : `-${type.toLowerCase()}`;
    base = { ...base, name: `${base.name}${suffix}` };
  } else if (target === 'custom') {
    const { dim, layers } = overrides;
    if (dim === undefined || layers === undefined) {
      throw new Error('make-model: custom needs at least --dim and --layers');
    }
    // 64-wide heads and a SwiGLU width of 8/3 dim rounded to Q8_0 blocks, as llama models do.
    const heads = overrides.heads ?? Math.max(1, Math.floor(dim / 64));
    base = {
      name: `custom-d${dim}-l${layers}${type === undefined || type === 'Q8_0' ? '' : `-${type.toLowerCase()}`}`,
      dim,
      layers,
      heads,
      kvHeads: heads,
      ffDim: roundUp((8 * dim) / 3, 32),
      vocabSize: 4096,
      contextLength: 2048,
      type: 'Q8_0',
      seed: 42,
    };
  } else {
    throw new Error(
      `make-model: unknown preset "${target}"; presets: ${presetNames().join(', ')}, or "custom"`,
    );
  }
  const shape: SyntheticModelShape = {
    ...base,
    name: flags.name ?? base.name,
    type: type ?? base.type,
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (shape as unknown as Record<string, number>)[key] = value;
  }
  // The name becomes a file name, so it must not point elsewhere.
  if (!/^[\w.-]+$/.test(shape.name) || shape.name.startsWith('.')) {
    throw new Error(`make-model: --name "${shape.name}" must be letters, digits, ".", "_" or "-"`);
  }
  return shape;
}

function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)} M`;
  return `${(n / 1e3).toFixed(1)} K`;
}

function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  return `${(n / 2 ** 20).toFixed(1)} MiB`;
}

function printPresets(): void {
  const header = [
    'preset',
    'params',
    'file',
    'dim',
    'layers',
    'heads',
    'kv',
    'ff',
    'vocab',
    'context',
    'type',
  ];
  const rows = presetNames().map((name) => {
    const s = MODEL_PRESETS[name as keyof typeof MODEL_PRESETS];
    return [
      name,
      formatCount(countParameters(s)),
      formatBytes(syntheticModelBytes(s)),
      ...[s.dim, s.layers, s.heads, s.kvHeads, s.ffDim, s.vocabSize, s.contextLength].map(String),
      s.type,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [header, ...rows]) {
    console.log(
      row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '),
    );
  }
}

/** A progress callback drawing a bar on stderr: redrawn in place on a terminal, every 10% otherwise. */
function progressBar(label: string): (written: number, total: number) => void {
  const started = performance.now();
  const interactive = process.stderr.isTTY === true;
  let lastDraw = 0;
  let lastDecile = -1;
  return (written, total) => {
    const now = performance.now();
    const done = written >= total;
    const fraction = total === 0 ? 1 : written / total;
    const decile = Math.floor(fraction * 10);
    if (interactive ? !done && now - lastDraw < 100 : decile === lastDecile) return;
    lastDraw = now;
    lastDecile = decile;
    const width = 24;
    const filled = Math.round(fraction * width);
    const rate = written / 2 ** 20 / Math.max((now - started) / 1000, 1e-3);
    const line =
      `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ` +
      `${(written / 2 ** 20).toFixed(1)}/${(total / 2 ** 20).toFixed(1)} MiB  ${rate.toFixed(0)} MiB/s`;
    process.stderr.write(interactive ? `\r${line}\x1b[K${done ? '\n' : ''}` : `${line}\n`);
  };
}

/** `switchyard make-model ...`: argv is what follows the command name. Bad input throws an Error. */
export async function makeModelCommand(argv: string[]): Promise<void> {
  const { values: flags, positionals } = parseFlags(argv);
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  if (flags.list) {
    printPresets();
    return;
  }
  if (positionals.length !== 1) {
    throw new Error(
      positionals.length === 0
        ? `make-model: name a preset or "custom"\n\n${USAGE}`
        : `make-model: expected one preset, got ${positionals.join(' ')}`,
    );
  }
  const shape = shapeFromArgs(positionals[0], flags);
  const path = join(flags.out, `${shape.name}.gguf`);
  if (flags['if-missing'] && existsSync(path)) {
    console.log(`${path} exists; nothing to do (--if-missing)`);
    return;
  }
  const started = performance.now();
  const written = await writeSyntheticModel(path, shape, { onProgress: progressBar(shape.name) });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `wrote ${written.path}: ${written.parameters.toLocaleString('en-US')} parameters ` +
      `(${formatCount(written.parameters)}), ${written.bytes.toLocaleString('en-US')} bytes ` +
      `(${formatBytes(written.bytes)}), ${shape.type}, in ${seconds.toFixed(2)} s`,
  );
}

/**
 * Writes synth-5m.gguf into `dir` when `dir` holds no .gguf file, so a fresh checkout can serve
 * something. Returns the path written, or undefined when a model was already there.
 */
export async function ensureDefaultModel(
  dir: string,
  log: (msg: string) => void,
): Promise<string | undefined> {
  try {
    const entries = await readdir(dir);
    if (entries.some((entry) => entry.toLowerCase().endsWith('.gguf'))) return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const shape = MODEL_PRESETS[DEFAULT_MODEL];
  const path = join(dir, `${DEFAULT_MODEL}.gguf`);
  log(
    `no model in ${dir}: writing ${DEFAULT_MODEL} (${formatCount(countParameters(shape))} parameters)`,
  );
  const written = await writeSyntheticModel(path, shape);
  log(`wrote ${written.path} (${formatBytes(written.bytes)})`);
  return written.path;
}
