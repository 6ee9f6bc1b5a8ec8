import { registerDecorator, type ValidationArguments } from 'class-validator';

/** `stop`: one non-empty string, or an array of 1 to `max` non-empty strings. */
export function IsStopSequences(max: number): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isStopSequences',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [max],
      validator: {
        validate(value: unknown): boolean {
          const isText = (item: unknown) => typeof item === 'string' && item.length > 0;
          if (!Array.isArray(value)) return isText(value);
          return value.length >= 1 && value.length <= max && value.every(isText);
        },
        defaultMessage(args: ValidationArguments): string {
          return `${args.property} must be a non-empty string or an array of 1 to ${max} non-empty strings`;
        },
      },
    });
  };
}
