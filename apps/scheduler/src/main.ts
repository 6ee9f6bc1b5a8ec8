import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { InvalidEnvironmentError, loadEnv, type LogLevelName } from '#switchyard/contracts';
import { loggerFor } from '#switchyard/logging';
import { SchedulerEnv } from './scheduler-env.js';
import { SchedulerModule } from './scheduler.module.js';

async function main(): Promise<void> {
  const env = loadEnv(SchedulerEnv);
  const app = await NestFactory.createApplicationContext(SchedulerModule.forEnv(env), {
    logger: loggerFor('scheduler', env.LOG_FORMAT, env.LOG_LEVEL as LogLevelName),
  });
  await app.init();
  // Close (drain, hand jobs back, deregister) on a signal, then exit 0: a clean stop, not a kill.
  let closing = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error) => {
  console.error(error instanceof InvalidEnvironmentError ? error.message : error);
  process.exit(1);
});
