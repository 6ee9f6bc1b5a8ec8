import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo, type GgufFileInfo } from 'node-llama-cpp';
import type { GgufTensorType, SyntheticModelShape } from './model-shape.js';
import { syntheticModelBytes } from './synthetic-layout.js';
import { writeSyntheticModel } from './synthetic-model-writer.js';

const TINY: SyntheticModelShape = {
  name: 'tiny',
  dim: 64,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  ffDim: 96,
  vocabSize: 300,
  contextLength: 128,
  type: 'Q8_0',
  seed: 7,
};

const GGML: Record<GgufTensorType, number> = { F32: 0, F16: 1, Q8_0: 8 };

/** The tensors GGUF.md prescribes, written out independently of the writer's own layout code. */
function expectedTensors(
  shape: SyntheticModelShape,
): Map<string, { dims: number[]; type: number }> {
  const { dim, ffDim, vocabSize } = shape;
  const kvDim = (dim / shape.heads) * shape.kvHeads;
  const w = GGML[shape.type];
  const tensors = new Map<string, { dims: number[]; type: number }>([
    ['token_embd.weight', { dims: [dim, vocabSize], type: w }],
    ['output_norm.weight', { dims: [dim], type: 0 }],
    ['output.weight', { dims: [dim, vocabSize], type: w }],
  ]);
  for (let l = 0; l < shape.layers; l++) {
    tensors.set(`blk.${l}.attn_norm.weight`, { dims: [dim], type: 0 });
    tensors.set(`blk.${l}.attn_q.weight`, { dims: [dim, dim], type: w });
    tensors.set(`blk.${l}.attn_k.weight`, { dims: [dim, kvDim], type: w });
    tensors.set(`blk.${l}.attn_v.weight`, { dims: [dim, kvDim], type: w });
    tensors.set(`blk.${l}.attn_output.weight`, { dims: [dim, dim], type: w });
    tensors.set(`blk.${l}.ffn_norm.weight`, { dims: [dim], type: 0 });
    tensors.set(`blk.${l}.ffn_gate.weight`, { dims: [dim, ffDim], type: w });
    tensors.set(`blk.${l}.ffn_up.weight`, { dims: [dim, ffDim], type: w });
    tensors.set(`blk.${l}.ffn_down.weight`, { dims: [ffDim, dim], type: w });
  }
  return tensors;
}

function f16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Decodes one row of a tensor from the raw file bytes, whatever its type. */
function readRow(file: Buffer, info: GgufFileInfo, name: string, row: number): number[] {
  const tensor = info.tensorInfo!.find((t) => t.name === name)!;
  const n = Number(tensor.dimensions[0]);
  const start = Number(tensor.fileOffset);
  const values: number[] = [];
  if (tensor.ggmlType === 0) {
    for (let i = 0; i < n; i++) values.push(file.readFloatLE(start + (row * n + i) * 4));
  } else if (tensor.ggmlType === 1) {
    for (let i = 0; i < n; i++)
      values.push(f16ToNumber(file.readUInt16LE(start + (row * n + i) * 2)));
  } else {
    const rowStart = start + row * (n / 32) * 34;
    for (let b = 0; b < n / 32; b++) {
      const scale = f16ToNumber(file.readUInt16LE(rowStart + b * 34));
      for (let i = 0; i < 32; i++) values.push(scale * file.readInt8(rowStart + b * 34 + 2 + i));
    }
  }
  return values;
}

describe('writeSyntheticModel', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gguf-writer-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const type of ['F32', 'F16', 'Q8_0'] as const) {
    test(`${type}: node-llama-cpp reads back exactly the shape asked for`, async () => {
      const shape = { ...TINY, type, name: `tiny-${type}` };
      const path = join(dir, `tiny-${type}.gguf`);
      const written = await writeSyntheticModel(path, shape);
      assert.equal(written.path, path);
      assert.equal(written.bytes, (await stat(path)).size);
      assert.equal(written.bytes, syntheticModelBytes(shape));

      const info = await readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false });
      const expected = expectedTensors(shape);
      const actual = new Map(
        info.tensorInfo!.map((t) => [
          t.name,
          { dims: t.dimensions.map(Number), type: t.ggmlType as number },
        ]),
      );
      assert.deepEqual(actual, expected);
      for (const t of info.tensorInfo!) assert.equal(Number(t.offset) % 32, 0, `${t.name} aligned`);

      const m = info.metadata as unknown as Record<string, Record<string, unknown>>;
      assert.equal(m.general.architecture, 'llama');
      assert.equal(m.general.name, shape.name);
      assert.equal(m.general.file_type, { F32: 0, F16: 1, Q8_0: 7 }[type]);
      assert.deepEqual(
        { ...(m.llama as object), attention: undefined, rope: undefined },
        {
          context_length: 128,
          embedding_length: 64,
          block_count: 2,
          feed_forward_length: 96,
          vocab_size: 300,
          attention: undefined,
          rope: undefined,
        },
      );
      const llama = m.llama as { attention: Record<string, number>; rope: Record<string, number> };
      assert.equal(llama.attention.head_count, 4);
      assert.equal(llama.attention.head_count_kv, 2);
      assert.equal(llama.rope.dimension_count, 16);
      const tokenizer = (m.tokenizer as { ggml: Record<string, unknown> }).ggml;
      assert.equal(tokenizer.model, 'llama');
      const tokens = tokenizer.tokens as string[];
      assert.equal(tokens.length, 300);
      assert.deepEqual(tokens.slice(0, 4), ['<unk>', '<s>', '</s>', '<0x00>']);
      assert.equal(tokens[258], '<0xFF>');
      // '▁' and printable ASCII, then syllables, then ▁-words reachable by merging.
      assert.equal(tokens[259], '\u2581');
      assert.deepEqual(tokens.slice(260, 270), [...'!"#$%&\'()*']);
      assert.ok(
        tokens.slice(260).every((t) => t.length === 1),
        'a 300-token vocabulary ends in ASCII',
      );
      assert.equal(new Set(tokens).size, tokens.length, 'tokens are unique');
      const scores = tokenizer.scores as number[];
      assert.ok(scores[260] < scores[259], 'word piece scores decrease');
      const types = tokenizer.token_type as number[];
      assert.deepEqual([types[0], types[1], types[2], types[3], types[259]], [2, 3, 3, 6, 1]);
      assert.equal(tokenizer.bos_token_id, 1);
      assert.equal(tokenizer.eos_token_id, 2);

      const file = await readFile(path);
      for (let row = 0; row < 3; row++) {
        assert.ok(
          readRow(file, info, 'output.weight', row).every((v) => v === 0),
          `output row ${row} is zero`,
        );
      }
      const live = readRow(file, info, 'output.weight', 3);
      assert.ok(live.some((v) => v !== 0) && live.every((v) => Math.abs(v) < 0.04));
      assert.ok(readRow(file, info, 'blk.1.ffn_norm.weight', 0).every((v) => v === 1));
    });
  }

  test('F32, F16 and Q8_0 files of one seed hold the same weights', async () => {
    const files = await Promise.all(
      (['F32', 'F16', 'Q8_0'] as const).map(async (type) => {
        const path = join(dir, `same-${type}.gguf`);
        await writeSyntheticModel(path, { ...TINY, type });
        const info = await readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false });
        return { file: await readFile(path), info };
      }),
    );
    for (const [name, row] of [
      ['token_embd.weight', 299],
      ['blk.1.ffn_down.weight', 5],
      ['output.weight', 3],
    ] as const) {
      const [f32, f16, q8] = files.map(({ file, info }) => readRow(file, info, name, row));
      assert.deepEqual(f16, f32, name);
      assert.deepEqual(q8, f32, name);
    }
  });

  test('a file larger than the write chunk streams through with the same weights', async () => {
    // 20000 x 128 F32 = 10 MB per embedding matrix: several 4 MiB chunks, rows crossing them.
    const big = { ...TINY, dim: 128, heads: 4, kvHeads: 4, vocabSize: 20000 };
    const progress: number[] = [];
    const f32 = join(dir, 'big-f32.gguf');
    const q8 = join(dir, 'big-q8.gguf');
    const written = await writeSyntheticModel(
      f32,
      { ...big, type: 'F32' },
      {
        onProgress: (bytes, total) => {
          assert.equal(total, syntheticModelBytes({ ...big, type: 'F32' }));
          progress.push(bytes);
        },
      },
    );
    await writeSyntheticModel(q8, big);
    assert.ok(progress.length > 3, 'progress reported per chunk');
    assert.deepEqual(
      [...progress].sort((a, b) => a - b),
      progress,
      'progress only grows',
    );
    assert.equal(progress.at(-1), written.bytes);
    const infos = await Promise.all(
      [f32, q8].map((p) => readGgufFileInfo(p, { readTensorInfo: true, logWarnings: false })),
    );
    const files = await Promise.all([readFile(f32), readFile(q8)]);
    for (const row of [0, 8191, 8192, 16000, 19999]) {
      assert.deepEqual(
        readRow(files[0], infos[0], 'output.weight', row),
        readRow(files[1], infos[1], 'output.weight', row),
      );
    }
  });

  test('same seed gives the same bytes, another seed other bytes', async () => {
    const a = join(dir, 'seed-a.gguf');
    const b = join(dir, 'seed-b.gguf');
    const c = join(dir, 'seed-c.gguf');
    await writeSyntheticModel(a, TINY);
    await writeSyntheticModel(b, TINY);
    await writeSyntheticModel(c, { ...TINY, seed: 8 });
    const [bytesA, bytesB, bytesC] = await Promise.all([a, b, c].map((p) => readFile(p)));
    assert.ok(bytesA.equals(bytesB));
    assert.equal(bytesC.length, bytesA.length);
    assert.ok(!bytesC.equals(bytesA));
  });

  test('rejects bad shapes with a clear error and leaves no file behind', async () => {
    const cases: [Partial<SyntheticModelShape>, RegExp][] = [
      [{ dim: 66 }, /dim 66 is not divisible by heads 4/],
      [{ heads: 4, kvHeads: 3 }, /heads 4 is not a multiple of kvHeads 3/],
      [{ ffDim: 100 }, /Q8_0 needs ffDim to be a multiple of 32/],
      [{ dim: 48, heads: 4, kvHeads: 4 }, /Q8_0 needs dim to be a multiple of 32/],
      [{ vocabSize: 259 }, /vocabSize must exceed 259/],
      [{ layers: 0 }, /layers must be a positive integer/],
      [{ contextLength: 1.5 }, /contextLength must be a positive integer/],
      [{ dim: 72, heads: 8, kvHeads: 8, type: 'F16' }, /head dimension 9/],
      [{ type: 'Q4_0' as GgufTensorType }, /type must be one of/],
      [{ name: '' }, /name must be non-empty/],
    ];
    const path = join(dir, 'bad', 'bad.gguf');
    for (const [change, message] of cases) {
      await assert.rejects(writeSyntheticModel(path, { ...TINY, ...change }), message);
    }
    // F16/F32 accept row lengths Q8_0 cannot.
    await writeSyntheticModel(path, { ...TINY, ffDim: 100, type: 'F16' });
    assert.deepEqual(await readdir(join(dir, 'bad')), ['bad.gguf']);
  });
});
