import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { closeOnSignals, loadEnv, runProcess, type LogLevelName } from '#switchyard/contracts';
import { loggerFor } from '#switchyard/logging';
import { WorkerEnv } from './worker-env.js';
import { WorkerModule } from './worker.module.js';

async function main(): Promise<void> {
  const env = loadEnv(WorkerEnv);
  const app = await NestFactory.createApplicationContext(WorkerModule.forEnv(env), {
    logger: loggerFor('worker', env.LOG_FORMAT, env.LOG_LEVEL as LogLevelName),
  });
  await app.init();
  closeOnSignals(app);
}

runProcess(main);
