import { registerDecorator } from 'class-validator';

/** OpenAI's metadata rules: at most 16 pairs, keys up to 64 characters, string values up to 512. */
export function IsBatchMetadata(): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isBatchMetadata',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate(value: unknown): boolean {
          if (value === null || value === undefined) return true;
          if (typeof value !== 'object' || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return (
            entries.length <= 16 &&
            entries.every(
              ([key, item]) => key.length <= 64 && typeof item === 'string' && item.length <= 512,
            )
          );
        },
        defaultMessage(): string {
          return 'metadata must be an object of at most 16 string values, keys up to 64 characters and values up to 512';
        },
      },
    });
  };
}
