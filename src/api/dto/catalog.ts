import { Type } from 'class-transformer';
import { JSONSchema } from 'class-validator-jsonschema';
import { IsDefined, IsIn, IsInt, IsISO4217CurrencyCode, IsObject, Matches, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { QueryInt, Text } from '../input/text-rules.js';
import { Cursor, PageQuery } from './paging.js';

// Decorators run bottom-up and stop at the first failure: presence, then type, then rules
// (for texts the house rule, last, does presence, type and hygiene).

export const MAX_PRICE = 100_000_000;
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class MoneyBody {
  @Max(MAX_PRICE)
  @Min(0)
  @IsInt({ message: 'must be an integer number of minor units' })
  @IsDefined({ message: 'is required' })
  amount!: number;

  // As the document lists it: upper case (validator's own check takes either case).
  @Matches(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 currency code in upper case, such as USD' })
  @IsISO4217CurrencyCode({ message: 'must be an ISO 4217 currency code' })
  @Text({ max: 10, verbatim: true })
  currency!: string;
}

export class CreateProductBody {
  @JSONSchema({ description: 'Unique, and case-sensitive: `UNQ-1` and `unq-1` are two SKUs, each with its own stock. 409 when taken.' })
  @Matches(SKU_PATTERN, { message: 'must be 1-64 letters, digits, ".", "_" or "-"' })
  @Text({ max: 64 })
  sku!: string;

  @Text({ max: 200 })
  name!: string;

  /** Free text that may be empty, as the catalog allows. */
  @Text({ max: 5000, multiline: true, blank: 'empty' })
  description!: string;

  @Text({ max: 100 })
  brand!: string;

  @Text({ max: 100 })
  category!: string;

  @ValidateNested()
  @Type(() => MoneyBody)
  @IsObject({ message: 'must be an object { amount, currency }' })
  @IsDefined({ message: 'is required' })
  price!: MoneyBody;
}

export class UpdateProductBody {
  @Text({ max: 200, optional: true })
  name?: string;

  @Text({ max: 5000, multiline: true, optional: true, blank: 'empty' })
  description?: string;

  @Text({ max: 100, optional: true })
  brand?: string;

  @Text({ max: 100, optional: true })
  category?: string;

  @ValidateNested()
  @Type(() => MoneyBody)
  @IsObject({ message: 'must be an object { amount, currency }' })
  @ValidateIf((_object: unknown, value: unknown) => value !== undefined)
  price?: MoneyBody;
}

/** The catalog filters that the product list and search share; a blank filter is no filter. */
export class CatalogFilterQuery extends PageQuery {
  @Text({ max: 100, optional: true, blank: 'absent' })
  category?: string;

  @Text({ max: 100, optional: true, blank: 'absent' })
  brand?: string;

  @JSONSchema({ description: 'In minor units; at most `maxPrice` when both are given (400 otherwise).', 'x-at-most': 'maxPrice' })
  @QueryInt({ min: 0, max: MAX_PRICE, optional: true })
  minPrice?: number;

  @QueryInt({ min: 0, max: MAX_PRICE, optional: true })
  maxPrice?: number;
}

export class ListProductsQuery extends CatalogFilterQuery {
  @Cursor()
  after?: string;

  @JSONSchema({ description: '`newest` (the default), `price`, `-price`, or `name`: alphabetical as shoppers read it (case and accents aside, numbers by value, the name as written breaking ties).' })
  @IsIn(['newest', 'price', '-price', 'name'])
  @Text({ max: 20, optional: true, blank: 'absent', verbatim: true })
  sort?: 'newest' | 'price' | '-price' | 'name';
}
