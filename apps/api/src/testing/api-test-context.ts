import type { NestExpressApplication } from '@nestjs/platform-express';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnv, RedisKeys } from '#switchyard/contracts';
import {
  createRedisConnection,
  deleteKeysUnder,
  openJobsQueue,
  type JobsQueue,
} from '#switchyard/fleet';
import { writeSyntheticModel, type SyntheticModelShape } from '#switchyard/gguf';
import { ApiEnv } from '../config/api-env.js';
import { createApiApp } from '../create-api-app.js';

/** The smallest loadable model shape: writes in a few milliseconds. */
export const TINY_SHAPE: SyntheticModelShape = {
  name: 'tiny',
  dim: 64,
  layers: 2,
  heads: 2,
  kvHeads: 2,
  ffDim: 128,
  vocabSize: 512,
  contextLength: 256,
  type: 'Q8_0',
  seed: 1,
};

/** An api under test: its own key prefix and models folder, and a Redis connection to look with. */
export interface ApiTestContext {
  app: NestExpressApplication;
  env: ApiEnv;
  keys: RedisKeys;
  /** A connection of the test's own (the app's is closed with the app). */
  redis: Redis;
  queue: JobsQueue;
  modelsDir: string;
  /** The api's FILES_DIR (a temporary folder). */
  filesDir: string;
  /** Writes a tiny model called `name` into the models folder. */
  addModel(name: string): Promise<void>;
  /** Closes the app, deletes every key of the prefix, the models folder and the files folder. */
  close(): Promise<void>;
}

/** Starts the api (not listening) with a random prefix and a models folder holding `models`. */
export async function startApiTestContext(
  models: string[] = ['tiny'],
  overrides: Record<string, string> = {},
): Promise<ApiTestContext> {
  const prefix = `sy-api-test-${randomBytes(6).toString('hex')}`;
  const modelsDir = await mkdtemp(join(tmpdir(), 'sy-api-models-'));
  const filesDir = await mkdtemp(join(tmpdir(), 'sy-api-files-'));
  const addModel = async (name: string) => {
    await writeSyntheticModel(join(modelsDir, `${name}.gguf`), { ...TINY_SHAPE, name });
  };
  for (const name of models) await addModel(name);
  const env = loadEnv(ApiEnv, {
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    SWITCHYARD_PREFIX: prefix,
    MODELS_DIR: modelsDir,
    FILES_DIR: filesDir,
    LOG_LEVEL: 'error',
    ...overrides,
  });
  const app = await createApiApp(env);
  const redis = createRedisConnection(env.REDIS_URL, 'switchyard-api-test');
  const queue = openJobsQueue(redis, prefix);
  return {
    app,
    env,
    keys: new RedisKeys(prefix),
    redis,
    queue,
    modelsDir,
    filesDir,
    addModel,
    async close() {
      await app.close();
      await queue.close();
      await deleteKeysUnder(redis, prefix);
      await redis.quit();
      await rm(modelsDir, { recursive: true, force: true });
      await rm(filesDir, { recursive: true, force: true });
    },
  };
}
