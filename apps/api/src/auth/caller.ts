import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** What a key may do: submit work, read its tenant's work, or operate the fleet. */
export type Scope = 'submit' | 'read' | 'admin';

/** Every scope, in the order the docs list them. */
export const SCOPES: readonly Scope[] = ['submit', 'read', 'admin'];

/** The tenant of work submitted while no API key is configured. */
export const OPEN_TENANT = 'default';

/** Who sent a request: the tenant of its API key and what the key may do. */
export interface Caller {
  tenant: string;
  scopes: ReadonlySet<Scope>;
  /** True when the api runs without keys (the local default): everything is allowed. */
  open: boolean;
  /** Names the key in limits and logs without revealing it (a prefix of its digest). */
  keyId: string;
}

/** The caller of an api without keys. */
export const OPEN_CALLER: Caller = {
  tenant: OPEN_TENANT,
  scopes: new Set(SCOPES),
  open: true,
  keyId: 'open',
};

/** The api's own work (the batch tracker cancelling a batch's jobs): sees every tenant. */
export const SYSTEM_CALLER: Caller = {
  tenant: 'system',
  scopes: new Set(SCOPES),
  open: false,
  keyId: 'system',
};

/** Whether `caller` may see work of `tenant`: its own, or any with the admin scope. */
export function canSee(caller: Caller, tenant: string | undefined): boolean {
  return caller.scopes.has('admin') || (tenant ?? OPEN_TENANT) === caller.tenant;
}

/** Where the guard leaves the caller on the request. */
export interface RequestWithCaller extends Request {
  caller?: Caller;
}

/** The request's caller, as the ApiKeyGuard found it (the open caller on public routes). */
export const CurrentCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Caller =>
    context.switchToHttp().getRequest<RequestWithCaller>().caller ?? OPEN_CALLER,
);
