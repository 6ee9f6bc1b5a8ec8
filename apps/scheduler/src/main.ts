import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { closeOnSignals, loadEnv, runProcess, type LogLevelName } from '#switchyard/contracts';
import { loggerFor } from '#switchyard/logging';
import { SchedulerEnv } from './scheduler-env.js';
import { SchedulerModule } from './scheduler.module.js';

async function main(): Promise<void> {
  const env = loadEnv(SchedulerEnv);
  const app = await NestFactory.createApplicationContext(SchedulerModule.forEnv(env), {
    logger: loggerFor('scheduler', env.LOG_FORMAT, env.LOG_LEVEL as LogLevelName),
  });
  await app.init();
  closeOnSignals(app);
}

runProcess(main);
