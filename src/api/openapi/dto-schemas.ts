import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import { IS_ISO31661_ALPHA_2, IS_ISO4217_CURRENCY_CODE, ValidationTypes } from 'class-validator';
import { CountryCodes } from 'validator/lib/isISO31661Alpha2.js';
import { CurrencyCodes } from 'validator/lib/isISO4217.js';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import type { JsonSchema } from '../../projections/json-schema.js';
import { TEXT_RULES } from '../input/text-rules.js';
import type { DtoClass } from './route-table.js';

/**
 * The request schemas, read from the class-validator decorators of the DTOs that validate
 * the requests: what the document says a field takes is what parseDto enforces.
 */

export const SCHEMA_PREFIX = '#/components/schemas/';

/** Marks a field that takes the shop's one currency: buildDocument narrows its enum to it. */
export const SHOP_CURRENCY = 'x-shop-currency';

/**
 * The house text rules (../input/text-rules.ts) as `x-text-rules` on each field they govern: the
 * server trims and NFC-normalises a text, then refuses it when a rule fails. JSON Schema has
 * no keyword for "a visible character", so the rules are named (and defined once, at the
 * document's top under the same key), not encoded as a pattern.
 */
const TEXT_RULE_CONVERTERS = Object.fromEntries(Object.keys(TEXT_RULES).map((name) => [name, { 'x-text-rules': { [name]: true } }]));

/** class-validator-jsonschema makes any number with Min/Max a "number", even where IsInt said "integer". */
const CONVERTERS = {
  min: (meta: { constraints: unknown[] }) => ({ minimum: meta.constraints[0] as number }),
  max: (meta: { constraints: unknown[] }) => ({ maximum: meta.constraints[0] as number }),
  ...TEXT_RULE_CONVERTERS,
  // The code lists class-validator checks against (the same validator package), so the enum is what the server takes.
  [IS_ISO31661_ALPHA_2]: { enum: [...CountryCodes].sort(), description: 'An ISO 3166-1 alpha-2 country code.' },
  // Narrowed to the shop's own currency where the document is served (see SHOP_CURRENCY in ./document.ts).
  [IS_ISO4217_CURRENCY_CODE]: { enum: [...CurrencyCodes].sort(), [SHOP_CURRENCY]: true, description: "The shop's currency (`CURRENCY`): it sells in one, any other is refused (400)." },
  [ValidationTypes.CUSTOM_VALIDATION]: {},
};

/** The schemas of `dtos` and of the DTOs they nest, by class name: closed (unknown fields are refused) and with their defaults. */
export const dtoSchemas = (dtos: readonly DtoClass[]): Record<string, JsonSchema> => {
  const all = validationMetadatasToSchemas({
    classTransformerMetadataStorage: defaultMetadataStorage,
    refPointerPrefix: SCHEMA_PREFIX,
    additionalConverters: CONVERTERS,
  }) as Record<string, JsonSchema>;
  const classes = new Map(dtos.map((dto) => [dto.name, dto]));
  const schemas: Record<string, JsonSchema> = {};
  const add = (name: string) => {
    if (schemas[name] || !all[name]) return;
    schemas[name] = closed(all[name], classes.get(name));
    for (const match of JSON.stringify(all[name]).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) add(match[1]!);
  };
  for (const dto of dtos) add(dto.name);
  return schemas;
};

/** A field with a class default (`page = 1`) may be left out: it is not required, and the default is documented. */
const closed = (schema: JsonSchema, dto: DtoClass | undefined): JsonSchema => {
  const defaults = (dto ? new dto() : {}) as Record<string, unknown>;
  const properties = { ...(schema.properties as Record<string, JsonSchema>) };
  for (const [field, value] of Object.entries(defaults)) {
    if (value !== undefined && properties[field]) properties[field] = { ...properties[field], default: value };
  }
  const required = ((schema.required as string[] | undefined) ?? []).filter((field) => defaults[field] === undefined);
  const { required: _all, ...rest } = schema;
  return { ...rest, properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
};
