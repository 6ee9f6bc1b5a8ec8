import { ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import type { ValidationError, ValidatorOptions } from 'class-validator';
import type { ApiEnv } from '../config/api-env.js';
import { isEnvLimited } from './env-limited.js';
import { toFieldErrors, type FieldError } from './field-error.js';

/** The message of every 400 caused by a request body that failed validation. */
export const INVALID_BODY_MESSAGE = 'invalid request body';

/**
 * The app-wide validation pipe: strict whitelist, transformation into DTO instances, and one
 * 400 that lists every rejected field (`errors: [{field, messages}]`), including the limits
 * that come from the environment.
 */
export class ApiValidationPipe extends ValidationPipe {
  constructor(private readonly env: ApiEnv) {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => invalidBody(toFieldErrors(errors)),
    });
  }

  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // class-transformer would turn an array body into an array of DTOs, a string into itself.
    if (metadata.type === 'body' && (Array.isArray(value) || isPrimitive(value))) {
      throw invalidBody([{ field: 'body', messages: ['the request body must be a JSON object'] }]);
    }
    return super.transform(value, metadata);
  }

  protected override async validate(
    object: object,
    validatorOptions?: ValidatorOptions,
  ): Promise<ValidationError[]> {
    const errors = await super.validate(object, validatorOptions);
    return isEnvLimited(object) ? [...errors, ...object.checkLimits(this.env)] : errors;
  }
}

function invalidBody(errors: FieldError[]): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: INVALID_BODY_MESSAGE,
    errors,
  });
}

function isPrimitive(value: unknown): boolean {
  return value !== null && value !== undefined && typeof value !== 'object';
}
