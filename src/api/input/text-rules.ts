import { Transform } from 'class-transformer';
import { IsDefined, IsInt, IsString, IsUUID, Max, MaxLength, Min, MinLength, ValidateBy, ValidateIf } from 'class-validator';
import { canonicalId } from './ids.js';

/**
 * The house rules for every field a request carries, as decorators: a DTO field gets them
 * by using one of these, and test/api/input/dto-rules.test.ts fails for a string field that does not.
 *
 * Text (every string but passwords): trimmed, then Unicode NFC, so that "é" typed either way
 * is one name; refused when it holds a control character (C0, DEL, C1, U+2028/U+2029), a
 * bidirectional control (U+061C, U+200E/F, U+202A-E, U+2066-9: they make a name display as
 * another), or a lone surrogate; a required text must not be blank (nothing visible in it:
 * white space, zero-width characters and fillers are blank too). Only multi-line texts
 * (a product's description, a review's text) keep line feeds and tabs, with CR LF and CR
 * turned into LF.
 *
 * Passwords are opaque: never trimmed (spaces are legitimate) and not normalized here, since
 * PasswordHasher already derives from the NFKC form, for the accounts of before as for new
 * ones. They are refused when blank or holding a control character or a lone surrogate.
 *
 * Ids are UUIDs, texts that are kept in lower case (./ids.ts): one typed in upper case names
 * the same thing.
 *
 * Lengths count characters after trimming, up to MAX_TEXT_LENGTH: a value sent longer is
 * refused by its field's own length rule as it was sent, neither cleaned nor scanned.
 *
 * Query numbers are plain decimal integers: no hex, exponent, sign "+", spaces or fraction.
 */

/**
 * No field takes more characters than half this (a character may take two UTF-16 units), so a
 * value over it is over its field's limit however it is counted, and is refused without more work.
 */
export const MAX_TEXT_LENGTH = 10_000;

/** Class-validator runs a property's rules in the order they were registered; this applies them in the order given. */
const compose =
  (...decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, key) => {
    for (const decorate of decorators) decorate(target, key);
    Reflect.defineMetadata(INPUT_RULE, true, target, key);
  };

/** Marks a property as governed by these rules (see the test that checks every DTO). */
export const INPUT_RULE = 'shop:input-rule';

const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const CONTROL_BUT_LINES = /(?![\n\t])[\p{Cc}\u2028\u2029]/u;
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
const LONE_SURROGATE = /\p{Cs}/u;
const DECIMAL = /^-?\d+$/;

const rule = (name: string, message: string, validate: (value: string) => boolean): PropertyDecorator =>
  ValidateBy({ name, validator: { validate: (value: unknown) => typeof value !== 'string' || validate(value), defaultMessage: () => message } });

/** The rules' names: the OpenAPI document states each one on the fields it governs (../openapi/dto-schemas.ts). */
export const TEXT_RULES = {
  noControlCharacters: 'no control characters (C0, DEL, C1, U+2028, U+2029)',
  noControlCharactersButLines: 'no control characters but line feeds and tabs',
  noBidiControls: 'no bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069)',
  wellFormedUnicode: 'well-formed Unicode (no lone surrogates)',
  notBlank: 'not blank: at least one visible letter, digit, punctuation mark or symbol after trimming',
} as const;

const noControlCharacters = (multiline: boolean) =>
  multiline
    ? rule('noControlCharactersButLines', 'must not contain control characters', (v) => !CONTROL_BUT_LINES.test(v))
    : rule('noControlCharacters', 'must not contain control characters', (v) => !CONTROL.test(v));
const noBidiControls = rule('noBidiControls', 'must not contain bidirectional control characters', (v) => !BIDI.test(v));
const wellFormed = rule('wellFormedUnicode', 'must be well-formed Unicode', (v) => !LONE_SURROGATE.test(v));
/**
 * A character that shows: a letter, digit, punctuation or symbol, but not one drawn as
 * nothing (the Hangul fillers, the blank braille pattern). A text made only of white space,
 * zero-width and other format characters (U+200B, U+00AD, tags...) or marks alone is blank.
 */
const VISIBLE = /(?![\u115f\u1160\u3164\uffa0\u2800])[\p{L}\p{N}\p{P}\p{S}]/u;
const notBlank = rule('notBlank', 'must not be blank', (v) => VISIBLE.test(v));

/** Absent is allowed; null is not (it is a value, and not a string). */
const mayBeAbsent = ValidateIf((_object: unknown, value: unknown) => value !== undefined);
const presence = (optional: boolean | undefined) => (optional ? mayBeAbsent : IsDefined({ message: 'is required' }));
const lengths = (min: number | undefined, max: number) => [
  ...(min !== undefined ? [MinLength(min, { message: `must be at least ${min} characters` })] : []),
  MaxLength(max, { message: `must be at most ${max} characters` }),
];
/** First after the type: a huge value is refused with its field's own limit before any rule scans it. */
const notHuge = (max: number) => {
  if (max * 2 > MAX_TEXT_LENGTH) throw new Error(`a text field takes at most ${MAX_TEXT_LENGTH / 2} characters (MAX_TEXT_LENGTH), not ${max}`);
  return rule('withinTextLength', `must be at most ${max} characters`, (v) => v.length <= MAX_TEXT_LENGTH);
};

export type TextOptions = {
  /** Most characters, counted after trimming. */
  max: number;
  min?: number;
  /** May be left out (but not null). */
  optional?: boolean;
  /**
   * What a value that is empty after trimming means: refused (the default); an empty text
   * (a review without words); or, for query filters, the same as leaving it out.
   */
  blank?: 'refused' | 'empty' | 'absent';
  /** Line feeds and tabs allowed. */
  multiline?: boolean;
  /**
   * A code the document lists exactly (a country, a currency, an as-of): read as sent, not
   * trimmed, so that what its pattern or enum refuses (`" US"`) is refused, not quietly mended.
   * An empty one still counts as `blank` says.
   */
  verbatim?: boolean;
};

const cleaned = (value: unknown, { multiline, blank, verbatim }: Pick<TextOptions, 'multiline' | 'blank' | 'verbatim'>): unknown => {
  if (typeof value !== 'string' || value.length > MAX_TEXT_LENGTH) return value;
  const text = multiline ? value.replace(/\r\n?/g, '\n') : value;
  const clean = text.normalize('NFC').trim();
  if (clean === '' && blank === 'absent') return undefined;
  return verbatim ? text : clean;
};

const textRules = (options: TextOptions): PropertyDecorator[] => [
  presence(options.optional),
  IsString({ message: 'must be a string' }),
  notHuge(options.max),
  noControlCharacters(options.multiline ?? false),
  noBidiControls,
  wellFormed,
  ...((options.blank ?? 'refused') === 'refused' ? [notBlank] : []),
  ...lengths(options.min, options.max),
];

/** A text field: put it last (lowest), finer rules (IsEmail, IsIn, Matches...) above it run after it. */
export const Text = (options: TextOptions): PropertyDecorator =>
  compose(Transform(({ value }) => cleaned(value, options), { toClassOnly: true }), ...textRules(options));

/** A password as typed: see above. */
export const Password = ({ min, max }: { min?: number; max: number }): PropertyDecorator =>
  compose(IsDefined({ message: 'is required' }), IsString({ message: 'must be a string' }), notHuge(max), noControlCharacters(false), wellFormed, notBlank, ...lengths(min, max));

/** Marks a property as an id (see the test that checks every UUID field of the DTOs). */
export const ID_RULE = 'shop:id-rule';

export type IdOptions = Pick<TextOptions, 'optional' | 'blank'> & {
  /** What the id must be (`must be a product id`); `must be a UUID` unless given. */
  message?: string;
};

/** An id: a text that must be a UUID, kept in lower case. The whole rule: no other decorator on the field. */
export const Id = ({ message = 'must be a UUID', ...options }: IdOptions = {}): PropertyDecorator => {
  const text: TextOptions = { ...options, max: 100 };
  return (target, key) => {
    compose(
      Transform(({ value }) => {
        const clean = cleaned(value, text);
        return typeof clean === 'string' ? (canonicalId(clean) ?? clean) : clean;
      }, { toClassOnly: true }),
      ...textRules(text),
      IsUUID('all', { message }),
    )(target, key);
    Reflect.defineMetadata(ID_RULE, true, target, key);
  };
};

/** An integer in a query string; a class default (`page = 1`) stands for an absent one. */
export const QueryInt = ({ min, max, optional }: { min: number; max: number; optional?: boolean }): PropertyDecorator =>
  compose(
    // Only plain decimals become numbers; anything else stays text and fails IsInt. "+ 0" folds -0 into 0.
    Transform(({ value }) => (typeof value === 'string' && DECIMAL.test(value) ? Number(value) + 0 : value), { toClassOnly: true }),
    ...(optional ? [mayBeAbsent] : []),
    IsInt({ message: 'must be a whole number in decimal digits' }),
    Min(min, { message: `must be at least ${min}` }),
    Max(max, { message: `must be at most ${max}` }),
  );
