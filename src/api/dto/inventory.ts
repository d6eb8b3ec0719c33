import { IsDefined, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { PageQuery } from './paging.js';
import { MAX_QUANTITY } from '../../domain/inventory/inventory.js';

// Decorators run bottom-up and stop at the first failure: presence, then type, then rules.

export class ReceiptBody {
  @Max(MAX_QUANTITY)
  @Min(1)
  @IsInt({ message: 'must be an integer' })
  @IsDefined({ message: 'is required' })
  quantity!: number;
}

export class AdjustmentBody {
  @Max(MAX_QUANTITY)
  @Min(-MAX_QUANTITY)
  @IsInt({ message: 'must be an integer' })
  @IsDefined({ message: 'is required' })
  delta!: number;

  @Length(1, 200)
  @IsString()
  @IsDefined({ message: 'is required' })
  reason!: string;
}

export class ListStockQuery extends PageQuery {
  @Min(0)
  @IsInt()
  @IsOptional()
  lowStockBelow?: number;
}
