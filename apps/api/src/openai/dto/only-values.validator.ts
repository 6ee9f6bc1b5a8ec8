import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * An OpenAI parameter this server does not implement: accepted only with a value that changes
 * nothing (`n: 1`, `frequency_penalty: 0`, `tools: []`), or null, or left out.
 */
export function OnlyValues(allowed: readonly unknown[], why: string): PropertyDecorator {
  const accepted = new Set(allowed.map((value) => JSON.stringify(value)));
  return (target, propertyName) => {
    registerDecorator({
      name: 'onlyValues',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate(value: unknown): boolean {
          return value === undefined || value === null || accepted.has(JSON.stringify(value));
        },
        defaultMessage(args: ValidationArguments): string {
          const values = allowed.map((value) => JSON.stringify(value)).join(' or ');
          return `${args.property} ${why}: only ${values} is accepted`;
        },
      },
    });
  };
}
