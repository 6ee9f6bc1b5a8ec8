import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * `prompt`: a non-empty string, given exactly when `messages` is not. One check for the pair, so
 * that "neither" and "both" are each reported once, on `prompt`.
 */
export function IsPrompt(): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isPrompt',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const messages = (args.object as { messages?: unknown }).messages;
          if (value === undefined) return messages !== undefined;
          return messages === undefined && typeof value === 'string' && value.length > 0;
        },
        defaultMessage(args: ValidationArguments): string {
          const messages = (args.object as { messages?: unknown }).messages;
          if (args.value === undefined) return 'either prompt or messages is required';
          if (messages !== undefined) return 'give either prompt or messages, not both';
          return 'prompt must be a non-empty string';
        },
      },
    });
  };
}
