import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ChunkedFileWriter } from './chunked-file-writer.js';
import { countParameters, type SyntheticModelShape } from './model-shape.js';
import { GGUF_ALIGNMENT, planSyntheticModel, type PlannedTensor } from './synthetic-layout.js';
import { encodeOnes, encodeRandomRows, rowBytes, tensorSeed } from './weight-encoder.js';

/** Options of `writeSyntheticModel`. */
export interface WriteSyntheticModelOptions {
  /** Called after each chunk reaches the file, and once at the end with bytesWritten = totalBytes. */
  onProgress?: (bytesWritten: number, totalBytes: number) => void;
}

/** What `writeSyntheticModel` wrote. */
export interface WrittenModel {
  path: string;
  bytes: number;
  parameters: number;
}

// Rows are encoded a batch at a time into chunks of this size; 4 MiB amortises the per-write cost
// while two chunks stay negligible next to the model.
const CHUNK_BYTES = 4 << 20;
const BATCH_BYTES = 1 << 20;

async function writeTensor(
  out: ChunkedFileWriter,
  tensor: PlannedTensor,
  seed: number,
): Promise<void> {
  if (tensor.fill === 'ones') {
    const { buffer, offset } = await out.reserve(tensor.bytes);
    encodeOnes(buffer, offset, tensor.dims[0]);
    out.commit(tensor.bytes);
  } else {
    const [rowLength, rows] = tensor.dims;
    const bytesPerRow = rowBytes(tensor.type, rowLength);
    const batchRows = Math.max(1, Math.floor(BATCH_BYTES / bytesPerRow));
    const streamSeed = tensorSeed(seed, tensor.name);
    for (let row = 0; row < rows; row += batchRows) {
      const count = Math.min(batchRows, rows - row);
      const { buffer, offset } = await out.reserve(count * bytesPerRow);
      encodeRandomRows(
        tensor.type,
        buffer,
        offset,
        rowLength,
        row,
        count,
        streamSeed,
        tensor.zeroRows,
      );
      out.commit(count * bytesPerRow);
    }
  }
  await out.padTo(GGUF_ALIGNMENT);
}

/**
 * Writes a loadable llama-architecture GGUF with seeded random weights, streaming tensor by tensor.
 * Same shape and seed give the same bytes; the file appears at `path` only once complete.
 */
export async function writeSyntheticModel(
  path: string,
  shape: SyntheticModelShape,
  options: WriteSyntheticModelOptions = {},
): Promise<WrittenModel> {
  const layout = planSyntheticModel(shape);
  const total = layout.totalBytes;
  const largestRow = Math.max(...layout.tensors.map((t) => rowBytes(t.type, t.dims[0])));
  const chunkBytes = Math.max(CHUNK_BYTES, 2 * largestRow + 2 * GGUF_ALIGNMENT);

  await mkdir(dirname(path), { recursive: true });
  // A unique sibling temp file: a crash, a concurrent writer or a registry scan never sees a
  // half-written model, and the rename below is atomic on one filesystem.
  const partial = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  const file = await open(partial, 'w');
  try {
    const out = new ChunkedFileWriter(file, chunkBytes, GGUF_ALIGNMENT, (written) =>
      options.onProgress?.(written, total),
    );
    await out.write(layout.header);
    for (const tensor of layout.tensors) {
      if (out.position !== layout.header.length + tensor.offset) {
        throw new Error(`internal layout error at ${tensor.name}`);
      }
      await writeTensor(out, tensor, shape.seed);
    }
    await out.finish();
    if (out.position !== total) throw new Error(`wrote ${out.position} bytes, planned ${total}`);
    await file.close();
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
  await rename(partial, path);
  return { path, bytes: total, parameters: countParameters(shape) };
}
