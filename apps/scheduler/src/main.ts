import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { InvalidEnvironmentError, loadEnv, logLevelsFrom } from '#switchyard/contracts';
import { SchedulerEnv } from './scheduler-env.js';
import { SchedulerModule } from './scheduler.module.js';

async function main(): Promise<void> {
  const env = loadEnv(SchedulerEnv);
  const app = await NestFactory.createApplicationContext(SchedulerModule.forEnv(env), {
    logger: logLevelsFrom(env.LOG_LEVEL),
  });
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  await app.init();
}

main().catch((error) => {
  console.error(error instanceof InvalidEnvironmentError ? error.message : error);
  process.exit(1);
});
