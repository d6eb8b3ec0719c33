import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO4217CurrencyCode,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

export const MAX_PRICE = 100_000_000;

export class MoneyBody {
  @IsInt({ message: 'must be an integer number of minor units' })
  @Min(0)
  @Max(MAX_PRICE)
  amount!: number;

  @IsISO4217CurrencyCode({ message: 'must be an ISO 4217 currency code' })
  currency!: string;
}

export class CreateProductBody {
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'must be 1-64 letters, digits, ".", "_" or "-"' })
  sku!: string;

  @IsString()
  @Length(1, 200)
  name!: string;

  @IsString()
  @MaxLength(5000)
  description!: string;

  @IsString()
  @Length(1, 100)
  brand!: string;

  @IsString()
  @Length(1, 100)
  category!: string;

  @ValidateNested()
  @Type(() => MoneyBody)
  price!: MoneyBody;
}

export class UpdateProductBody {
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @IsOptional()
  @IsString()
  @Length(1, 100)
  brand?: string;

  @IsOptional()
  @IsString()
  @Length(1, 100)
  category?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => MoneyBody)
  price?: MoneyBody;
}

export class ListProductsQuery {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  category?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  brand?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  minPrice?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  maxPrice?: number;

  @IsInt()
  @Min(1)
  @Max(10_000)
  page: number = 1;

  @IsInt()
  @Min(1)
  @Max(100)
  pageSize: number = 20;

  @IsOptional()
  @IsIn(['newest', 'price', '-price', 'name'])
  sort?: 'newest' | 'price' | '-price' | 'name';
}
