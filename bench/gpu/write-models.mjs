// Writes the synthetic GGUF models of the GPU check (bench/gpu/device-check.sh) on a machine that
// has node but no node_modules: it imports only the compiled writer and shapes, which need nothing
// beyond node's own modules. Usage: node write-models.mjs <dist root> <out dir> <name>...
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [distRoot, outDir, ...names] = process.argv.slice(2);
if (!distRoot || !outDir || names.length === 0) {
  console.error('usage: node write-models.mjs <dist root> <out dir> <name>...');
  process.exit(2);
}
const load = (path) => import(pathToFileURL(resolve(distRoot, path)).href);
const { writeSyntheticModel } = await load('libs/gguf/src/synthetic-model-writer.js');
const { MODEL_PRESETS } = await load('libs/gguf/src/model-presets.js');
const { PROBE_MODEL_SHAPE, PROBE_OVERHEAD_MODEL_SHAPE } = await load(
  'libs/profiler/src/probe-shapes.js',
);

// A larger model than the presets, to see the curves where weights dominate a GPU's time.
const SYNTH_3B = {
  name: 'synth-3b',
  dim: 3072,
  layers: 28,
  heads: 24,
  kvHeads: 8,
  ffDim: 8192,
  vocabSize: 32000,
  contextLength: 4096,
  type: 'Q8_0',
  seed: 42,
};
const shapes = {
  ...MODEL_PRESETS,
  [PROBE_MODEL_SHAPE.name]: PROBE_MODEL_SHAPE,
  [PROBE_OVERHEAD_MODEL_SHAPE.name]: PROBE_OVERHEAD_MODEL_SHAPE,
  [SYNTH_3B.name]: SYNTH_3B,
};
for (const name of names) {
  const shape = shapes[name];
  if (shape === undefined) throw new Error(`unknown model ${name}`);
  const started = Date.now();
  const written = await writeSyntheticModel(join(outDir, `${name}.gguf`), shape);
  const seconds = (Date.now() - started) / 1000;
  console.log(`${name}: ${written.bytes} bytes, ${written.parameters} parameters, ${seconds} s`);
}
