import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { MAX_QUANTITY } from '../../domain/inventory/inventory.js';

export class ReceiptBody {
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity!: number;
}

export class AdjustmentBody {
  @IsInt({ message: 'must be an integer' })
  @Min(-MAX_QUANTITY)
  @Max(MAX_QUANTITY)
  delta!: number;

  @IsString()
  @Length(1, 200)
  reason!: string;
}

export class ListStockQuery {
  @IsOptional()
  @IsInt()
  @Min(0)
  lowStockBelow?: number;

  @IsInt()
  @Min(1)
  @Max(10_000)
  page: number = 1;

  @IsInt()
  @Min(1)
  @Max(100)
  pageSize: number = 20;
}
