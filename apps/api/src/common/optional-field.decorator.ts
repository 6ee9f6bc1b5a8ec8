import { ValidateIf } from 'class-validator';

/**
 * The field may be left out, but `null` is validated (and so rejected) like any other value;
 * class-validator's IsOptional would let `null` through and replace the default.
 */
export function OptionalField(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}
