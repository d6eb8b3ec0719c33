import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate, type ValidationError as ClassValidatorError } from 'class-validator';
import { ValidationError, type FieldError } from '../domain/shared/errors.js';

/**
 * The edge's only door for input: a plain JSON value becomes a validated DTO instance,
 * or a ValidationError listing every offending field. Unknown fields are errors, not
 * silently dropped, and nothing is coerced: "5" is not a number.
 */
export const parseDto = async <T extends object>(dto: ClassConstructor<T>, input: unknown, what = 'body'): Promise<T> => {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError(`the ${what} must be a JSON object`, [{ field: what, message: 'must be a JSON object' }]);
  }
  const instance = plainToInstance(dto, input, { enableImplicitConversion: false, exposeDefaultValues: true });
  const problems = await validate(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, stopAtFirstError: true });
  if (problems.length > 0) throw new ValidationError(`the ${what} is invalid`, flatten(problems));
  return instance;
};

const flatten = (problems: ClassValidatorError[], prefix = ''): FieldError[] =>
  problems.flatMap((problem) => {
    const field = prefix ? `${prefix}.${problem.property}` : problem.property;
    const own = Object.values(problem.constraints ?? {}).map((message) => ({ field, message: unquoted(message, problem.property) }));
    return [...own, ...flatten(problem.children ?? [], field)];
  });

/** class-validator prefixes its own messages with the property name (or "property x"); the field says it already. */
const unquoted = (message: string, property: string) => {
  for (const prefix of [`property ${property} `, `${property} `]) if (message.startsWith(prefix)) return message.slice(prefix.length);
  return message;
};

/** Query strings are text: numbers are converted from their declared types, then validated like a body. */
export const parseQuery = async <T extends object>(dto: ClassConstructor<T>, query: unknown): Promise<T> => {
  const instance = plainToInstance(dto, query ?? {}, { enableImplicitConversion: true, exposeDefaultValues: true });
  const problems = await validate(instance, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true });
  if (problems.length > 0) throw new ValidationError('the query string is invalid', flatten(problems));
  return instance;
};
