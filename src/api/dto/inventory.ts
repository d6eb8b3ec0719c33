import { IsDefined, IsIn, IsInt, Max, Min } from 'class-validator';
import { ListPageQuery } from './paging.js';
import { MAX_QUANTITY } from '../../domain/inventory/inventory.js';
import { MAX_THRESHOLD } from '../../domain/inventory/stock-alerts.js';
import { QueryInt, Text } from '../input/text-rules.js';

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

  @Text({ max: 200 })
  reason!: string;
}

export class ThresholdBody {
  @Max(MAX_THRESHOLD)
  @Min(0)
  @IsInt({ message: 'must be an integer' })
  @IsDefined({ message: 'is required' })
  threshold!: number;
}

export class ListStockQuery extends ListPageQuery {
  @QueryInt({ min: 0, max: Number.MAX_SAFE_INTEGER, optional: true })
  lowStockBelow?: number;

  /** "true": only SKUs below their threshold in force (out of stock included); "false": only the others. */
  @IsIn(['true', 'false'])
  @Text({ max: 20, optional: true, blank: 'absent', verbatim: true })
  low?: 'true' | 'false';
}
