import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ValidationFailedError } from '../errors/common.errors.js';
import type { FieldError } from '../errors/domain-error.js';

/** Flattens class-validator's nested errors into `{ field: "a.b[0].c", message }` entries. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = joinPath(parent, error.property);
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message: describe(message, error) }));
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

function joinPath(parent: string, property: string): string {
  if (parent === '') return property;
  return /^\d+$/.test(property) ? `${parent}[${property}]` : `${parent}.${property}`;
}

/** class-validator phrases messages as "<property> must ..."; keep the rule, the field is reported apart. */
function describe(message: string, error: ValidationError): string {
  if (message === `property ${error.property} should not exist`) return 'is not a known field';
  return message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message;
}

/** The one validation pipe: strict DTOs (unknown fields rejected), transformed into class instances. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new ValidationFailedError(toFieldErrors(errors)),
  });
}
