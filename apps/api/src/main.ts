import { Logger } from '@nestjs/common';
import { InvalidEnvironmentError, loadEnv } from '#switchyard/contracts';
import { InvalidApiKeysError } from './auth/api-key-registry.js';
import { ApiEnv } from './config/api-env.js';
import { createApiApp } from './create-api-app.js';

async function main(): Promise<void> {
  const env = loadEnv(ApiEnv);
  const app = await createApiApp(env);
  // Closes the queue and Redis (RedisLifecycleService) on SIGINT and SIGTERM.
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  await app.listen(env.PORT, env.HOST);
  new Logger('Api').log(`listening on http://${env.HOST}:${env.PORT}`);
}

main().catch((error: unknown) => {
  if (error instanceof InvalidEnvironmentError || error instanceof InvalidApiKeysError) {
    console.error(error.message);
  } else console.error(error);
  process.exit(1);
});
