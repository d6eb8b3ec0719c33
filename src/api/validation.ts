import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { getMetadataStorage, validate, type ValidationError as ClassValidatorError } from 'class-validator';
import { ValidationError, type FieldError } from '../domain/shared/errors.js';
import { assertJsonShape } from './input/json-shape.js';
import { memoizeValidationMetadata } from './input/validator-metadata.js';

memoizeValidationMetadata();

/**
 * The edge's only door for input: a plain JSON value becomes a validated DTO instance,
 * or a ValidationError listing every offending field. Unknown fields are errors, not
 * silently dropped, and nothing is coerced: "5" is not a number. The rules each field
 * follows (trimming, control characters, blanks...) are the house decorators of
 * ./input/text-rules.ts.
 */
export const parseDto = async <T extends object>(dto: ClassConstructor<T>, input: unknown, what = 'body'): Promise<T> => {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError(`the ${what} must be a JSON object`, [{ field: what, message: 'must be a JSON object' }]);
  }
  // The JSON edge checked the body already; checked again here so that no caller can hand the transformer an unbounded value.
  assertJsonShape(input, what, what);
  const instance = plainToInstance(dto, withoutUnknownValues(dto, input as Record<string, unknown>), { enableImplicitConversion: false, exposeDefaultValues: true });
  return validated(instance, `the ${what} is invalid`);
};

/**
 * A partial update (PATCH) that names no field is refused (400), not answered 200 with nothing
 * done: the client meant a change and would not learn that none was made. `fields` says what it may name.
 */
export const someChange = <T extends object>(body: T, fields: string): T => {
  if (Object.values(body).every((value) => value === undefined)) throw new ValidationError('nothing to change', [{ field: 'body', message: fields }]);
  return body;
};

/** The body of a route that may be sent without one: none reads as `{}`; `null` is a value, and no object. */
export const bodyOrEmpty = (body: unknown): unknown => (body === undefined ? {} : body);

/**
 * Query strings are text: each field is given at most once, and numbers are read by the
 * fields' own rules (QueryInt: plain decimals only), never by Number() ("0x10" is not 16).
 */
export const parseQuery = async <T extends object>(dto: ClassConstructor<T>, query: unknown): Promise<T> => {
  const input = (query ?? {}) as Record<string, unknown>;
  assertJsonShape(input, 'query', 'query string');
  const repeated = Object.keys(input).filter((key) => Array.isArray(input[key]));
  if (repeated.length > 0) {
    throw new ValidationError('the query string is invalid', repeated.map((field) => ({ field, message: 'must be given once' })));
  }
  // A parameter of the route given empty (`?maxPrice=`, what a form sends for a field left empty) is no parameter, whatever
  // its type: its default, if any, applies. One the route does not take is refused, empty or not.
  const known = fieldsOf(dto);
  const given = Object.fromEntries(Object.entries(input).filter(([key, value]) => value !== '' || !known.has(key)));
  const instance = plainToInstance(dto, given, { enableImplicitConversion: false, exposeDefaultValues: true });
  return validated(instance, 'the query string is invalid');
};

const known = new WeakMap<object, ReadonlySet<string>>();

/** The fields a DTO class has rules for (class-validator's metadata), kept per class. */
const fieldsOf = (dto: ClassConstructor<object>): ReadonlySet<string> => {
  let fields = known.get(dto);
  if (!fields) known.set(dto, (fields = new Set(getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false).map((rule) => rule.propertyName))));
  return fields;
};

const validated = async <T extends object>(instance: T, detail: string): Promise<T> => {
  const problems = await validate(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, stopAtFirstError: true });
  if (problems.length > 0) throw new ValidationError(detail, flatten(problems));
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

/**
 * The input with what its unknown fields hold left out (each still there, holding `true`, and
 * refused as unknown): the transformer would walk whatever they hold first, and a body of
 * 20,000 values under one unknown name cost tens of milliseconds to refuse (a probe).
 */
const withoutUnknownValues = (dto: ClassConstructor<object>, input: Record<string, unknown>): Record<string, unknown> => {
  const fields = fieldsOf(dto);
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(input)) {
    const value = input[key];
    if (fields.has(key) || value === null || typeof value !== 'object') continue;
    copy ??= { ...input };
    copy[key] = true;
  }
  return copy ?? input;
};
