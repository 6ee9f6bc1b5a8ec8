import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * A text completion `prompt`: a non-empty string, or an array holding one (OpenAI's arrays of
 * several prompts or of token ids are not supported: one request is one job).
 */
export function IsCompletionPrompt(): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isCompletionPrompt',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate(value: unknown): boolean {
          const text = Array.isArray(value) && value.length === 1 ? value[0] : value;
          return typeof text === 'string' && text.length > 0;
        },
        defaultMessage(args: ValidationArguments): string {
          return `${args.property} must be a non-empty string (or an array of exactly one); token arrays and several prompts are not supported`;
        },
      },
    });
  };
}
