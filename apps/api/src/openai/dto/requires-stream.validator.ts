import { registerDecorator } from 'class-validator';

/** `stream_options` is only allowed together with `stream: true`, as OpenAI answers. */
export function RequiresStream(): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'requiresStream',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate(value: unknown, args): boolean {
          return (
            value === undefined ||
            value === null ||
            (args?.object as Record<string, unknown>).stream === true
          );
        },
        defaultMessage(): string {
          return "The 'stream_options' parameter is only allowed when 'stream' is enabled.";
        },
      },
    });
  };
}
