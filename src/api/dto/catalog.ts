import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsISO4217CurrencyCode,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from './paging.js';

// Decorators run bottom-up and stop at the first failure: presence, then type, then rules.

export const MAX_PRICE = 100_000_000;
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class MoneyBody {
  @Max(MAX_PRICE)
  @Min(0)
  @IsInt({ message: 'must be an integer number of minor units' })
  @IsDefined({ message: 'is required' })
  amount!: number;

  @IsISO4217CurrencyCode({ message: 'must be an ISO 4217 currency code' })
  @IsDefined({ message: 'is required' })
  currency!: string;
}

export class CreateProductBody {
  @Matches(SKU_PATTERN, { message: 'must be 1-64 letters, digits, ".", "_" or "-"' })
  @IsString()
  @IsDefined({ message: 'is required' })
  sku!: string;

  @Length(1, 200)
  @IsString()
  @IsDefined({ message: 'is required' })
  name!: string;

  @MaxLength(5000)
  @IsString()
  @IsDefined({ message: 'is required' })
  description!: string;

  @Length(1, 100)
  @IsString()
  @IsDefined({ message: 'is required' })
  brand!: string;

  @Length(1, 100)
  @IsString()
  @IsDefined({ message: 'is required' })
  category!: string;

  @ValidateNested()
  @Type(() => MoneyBody)
  @IsObject({ message: 'must be an object { amount, currency }' })
  @IsDefined({ message: 'is required' })
  price!: MoneyBody;
}

export class UpdateProductBody {
  @Length(1, 200)
  @IsString()
  @IsOptional()
  name?: string;

  @MaxLength(5000)
  @IsString()
  @IsOptional()
  description?: string;

  @Length(1, 100)
  @IsString()
  @IsOptional()
  brand?: string;

  @Length(1, 100)
  @IsString()
  @IsOptional()
  category?: string;

  @ValidateNested()
  @Type(() => MoneyBody)
  @IsObject({ message: 'must be an object { amount, currency }' })
  @IsOptional()
  price?: MoneyBody;
}

/** The catalog filters that the product list and search share. */
export class CatalogFilterQuery extends PageQuery {
  @MaxLength(100)
  @IsString()
  @IsOptional()
  category?: string;

  @MaxLength(100)
  @IsString()
  @IsOptional()
  brand?: string;

  @Min(0)
  @IsInt({ message: 'must be an integer number of minor units' })
  @IsOptional()
  minPrice?: number;

  @Min(0)
  @IsInt({ message: 'must be an integer number of minor units' })
  @IsOptional()
  maxPrice?: number;
}

export class ListProductsQuery extends CatalogFilterQuery {
  @IsIn(['newest', 'price', '-price', 'name'])
  @IsOptional()
  sort?: 'newest' | 'price' | '-price' | 'name';
}
