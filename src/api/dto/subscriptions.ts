import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsIn, IsInt, IsObject, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { MAX_INTERVAL_DAYS, MAX_SUBSCRIPTION_ITEMS } from '../../domain/subscriptions/subscription.js';
import { Id, Text } from '../input/text-rules.js';
import { AddressBody } from './accounts.js';
import { AddCartItemBody } from './orders.js';
import { ListPageQuery } from './paging.js';

// Decorators run bottom-up and stop at the first failure: presence, then type, then rules.

const given = ValidateIf((_object: unknown, value: unknown) => value !== undefined);


export class CreateSubscriptionBody {
  @ValidateNested({ each: true })
  // Each item is a product and its quantity, validated as a cart line is.
  @Type(() => AddCartItemBody)
  @ArrayMaxSize(MAX_SUBSCRIPTION_ITEMS)
  @ArrayMinSize(1, { message: 'must hold at least one item' })
  @IsArray({ message: 'must be a list of { productId, quantity }' })
  @IsDefined({ message: 'is required' })
  items!: AddCartItemBody[];

  @Max(MAX_INTERVAL_DAYS)
  @Min(1)
  @IsInt({ message: 'must be an integer' })
  @IsDefined({ message: 'is required' })
  intervalDays!: number;

  @ValidateNested()
  @Type(() => AddressBody)
  @IsObject({ message: 'must be an address { line1, city, postalCode, country }' })
  @IsDefined({ message: 'is required' })
  shippingAddress!: AddressBody;

  @Id({ message: 'must be a payment method id' })
  paymentMethodId!: string;
}

/** Any of the subscription's items, interval, address and payment method. */
export class ChangeSubscriptionBody {
  @ValidateNested({ each: true })
  // Each item is a product and its quantity, validated as a cart line is.
  @Type(() => AddCartItemBody)
  @ArrayMaxSize(MAX_SUBSCRIPTION_ITEMS)
  @ArrayMinSize(1, { message: 'must hold at least one item' })
  @IsArray({ message: 'must be a list of { productId, quantity }' })
  @given
  items?: AddCartItemBody[];

  @Max(MAX_INTERVAL_DAYS)
  @Min(1)
  @IsInt({ message: 'must be an integer' })
  @given
  intervalDays?: number;

  @ValidateNested()
  @Type(() => AddressBody)
  @IsObject({ message: 'must be an address { line1, city, postalCode, country }' })
  @given
  shippingAddress?: AddressBody;

  @Id({ message: 'must be a payment method id', optional: true })
  paymentMethodId?: string;
}

export const SUBSCRIPTION_STATUSES = ['Active', 'Paused', 'PastDue', 'Cancelled'] as const;

export class ListSubscriptionsQuery extends ListPageQuery {
  @IsIn(SUBSCRIPTION_STATUSES)
  @Text({ max: 20, optional: true, blank: 'absent', verbatim: true })
  status?: (typeof SUBSCRIPTION_STATUSES)[number];

  @JSONSchema({ description: 'Admins: the subscriptions of this customer. A customer sees their own: another id is 400.', 'x-admin-only': true })
  @Id({ optional: true, blank: 'absent' })
  customerId?: string;
}
