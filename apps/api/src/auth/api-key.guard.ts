import {
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { ApiKeyRegistry } from './api-key-registry.js';
import { OPEN_CALLER, type Caller, type RequestWithCaller, type Scope } from './caller.js';

const PUBLIC = 'switchyard:public';
const SCOPE = 'switchyard:scope';

/** Marks a route (health) as open to anyone, keys or not. */
export const Public = () => SetMetadata(PUBLIC, true);

/** The scope a route needs; without it, reads (GET) need `read` and everything else `submit`. */
export const RequiresScope = (scope: Scope) => SetMetadata(SCOPE, scope);

/**
 * Authenticates every request by its API key (`Authorization: Bearer <key>`, or Basic with the
 * key as password, for browsers) and checks the route's scope; leaves the caller on the
 * request. Without configured keys everyone is the open caller.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly registry: ApiKeyRegistry,
    private readonly reflector: Reflector,
  ) {}

  /** 401 without a known key, 403 when the key lacks the route's scope. */
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    const targets = [context.getHandler(), context.getClass()];
    if (this.registry.open || this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) {
      request.caller = OPEN_CALLER;
      return true;
    }
    const caller = authenticate(this.registry, request.headers.authorization);
    if (!caller) {
      context.switchToHttp().getResponse<Response>().setHeader('www-authenticate', 'Bearer');
      throw new UnauthorizedException(
        request.headers.authorization
          ? 'invalid API key'
          : 'missing API key: send the header Authorization: Bearer <key>',
      );
    }
    const scope =
      this.reflector.getAllAndOverride<Scope>(SCOPE, targets) ??
      (request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'submit');
    if (!caller.scopes.has(scope) && !caller.scopes.has('admin')) {
      throw new ForbiddenException(`this API key lacks the "${scope}" scope`);
    }
    request.caller = caller;
    return true;
  }
}

/** The caller of an `Authorization` header (Bearer, or Basic with the key as password). */
export function authenticate(
  registry: ApiKeyRegistry,
  header: string | undefined,
): Caller | undefined {
  const [kind, value] = (header ?? '').split(/\s+/, 2);
  if (!value) return undefined;
  if (/^bearer$/i.test(kind)) return registry.authenticate(value);
  if (/^basic$/i.test(kind)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return registry.authenticate(decoded.slice(decoded.indexOf(':') + 1));
  }
  return undefined;
}
