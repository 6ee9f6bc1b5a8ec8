import { Global, Logger, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiEnv } from '../config/api-env.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeyRegistry } from './api-key-registry.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { TenantQuota } from './tenant-quota.js';

/** API keys and the guard that checks them on every route. */
@Global()
@Module({
  providers: [
    {
      provide: ApiKeyRegistry,
      useFactory: (env: ApiEnv) => {
        const registry = ApiKeyRegistry.fromSettings(env.API_KEYS, env.API_KEYS_FILE);
        const logger = new Logger('Auth');
        if (registry.open) {
          logger.warn(
            'NO API KEYS CONFIGURED: the api is open to anyone who can reach it, as one tenant. ' +
              'Set API_KEYS or API_KEYS_FILE before exposing it.',
          );
        } else {
          logger.log(`${registry.size} API key(s) configured`);
        }
        return registry;
      },
      inject: [ApiEnv],
    },
    // Guards run in this order: who is calling, then whether they may call again.
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    TenantQuota,
  ],
  exports: [ApiKeyRegistry, TenantQuota],
})
export class AuthModule {}
