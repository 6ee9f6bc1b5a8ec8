import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { InvalidEnvironmentError, loadEnv, logLevelsFrom } from '#switchyard/contracts';
import { WorkerEnv } from './worker-env.js';
import { WorkerModule } from './worker.module.js';

async function main(): Promise<void> {
  const env = loadEnv(WorkerEnv);
  const app = await NestFactory.createApplicationContext(WorkerModule.forEnv(env), {
    logger: logLevelsFrom(env.LOG_LEVEL),
  });
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  await app.init();
}

main().catch((error) => {
  console.error(error instanceof InvalidEnvironmentError ? error.message : error);
  process.exit(1);
});
