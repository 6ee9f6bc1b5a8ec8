import type { ValidationError } from 'class-validator';

/** One rejected field of a request body, as the 400 answer lists it. */
export interface FieldError {
  /** Path of the field: `max_tokens`, `messages[0].role`. */
  field: string;
  messages: string[];
}

/** Flattens class-validator's error tree into one entry per rejected field, parents first. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = fieldPath(parent, error.property);
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

function fieldPath(parent: string, property: string): string {
  if (parent === '') return property;
  return /^\d+$/.test(property) ? `${parent}[${property}]` : `${parent}.${property}`;
}
