import { registerDecorator, type ValidationArguments } from 'class-validator';

/** A content part of a chat message, as OpenAI accepts it. */
export interface ContentPart {
  type: string;
  text?: unknown;
}

/** `content`: a string, or an array of text parts `{type: 'text', text}` (no images or audio). */
export function IsMessageContent(): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isMessageContent',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate(value: unknown): boolean {
          if (typeof value === 'string') return true;
          return (
            Array.isArray(value) &&
            value.length > 0 &&
            value.every(
              (part: ContentPart | null) =>
                typeof part === 'object' &&
                part !== null &&
                part.type === 'text' &&
                typeof part.text === 'string',
            )
          );
        },
        defaultMessage(args: ValidationArguments): string {
          return `${args.property} must be a string or an array of text parts ({"type": "text", "text": "..."}); images, audio and files are not supported`;
        },
      },
    });
  };
}

/** The text of a validated message content. */
export function contentText(content: string | ContentPart[]): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}
