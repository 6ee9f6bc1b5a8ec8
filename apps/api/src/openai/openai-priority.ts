import { PRIORITY_CLASSES, type PriorityClass } from '#switchyard/contracts';
import { OpenAiException } from '../common/openai-error.js';

/** The header that picks a request's class on the OpenAI-compatible routes. */
export const PRIORITY_HEADER = 'x-switchyard-priority';

/** The class of OpenAI-compatible requests that ask for none. */
export const DEFAULT_OPENAI_PRIORITY: PriorityClass = 'interactive';

/**
 * The class a request runs at: the body's `priority`, else the `x-switchyard-priority` header,
 * else interactive. Throws a 400 for a header naming no class.
 */
export function resolvePriority(
  bodyPriority: PriorityClass | null | undefined,
  header: string | undefined,
): PriorityClass {
  if (bodyPriority) return bodyPriority;
  if (header === undefined || header === '') return DEFAULT_OPENAI_PRIORITY;
  const value = header.trim().toLowerCase();
  if ((PRIORITY_CLASSES as readonly string[]).includes(value)) return value as PriorityClass;
  throw new OpenAiException(
    400,
    `${PRIORITY_HEADER} must be one of ${PRIORITY_CLASSES.join(', ')}`,
    { param: PRIORITY_HEADER, code: 'invalid_value' },
  );
}
