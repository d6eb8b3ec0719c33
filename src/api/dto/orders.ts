import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsObject, Matches, Max, Min, ValidateBy, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { MAX_QUANTITY_PER_LINE } from '../../domain/cart/cart.js';
import { Id, Text } from '../input/text-rules.js';
import { SCHEMA_PREFIX } from '../openapi/dto-schemas.js';
import { AddressBody } from './accounts.js';
import { NotACardNumber } from './payment-methods.js';
import { ListPageQuery } from './paging.js';

// Decorators run bottom-up and stop at the first failure: presence, then type, then rules
// (for texts the house rule, last, does presence, type and hygiene).

export class AddCartItemBody {
  @Id({ message: 'must be a product id' })
  productId!: string;

  @Max(MAX_QUANTITY_PER_LINE)
  @Min(1)
  @IsInt({ message: 'must be an integer' })
  @IsDefined({ message: 'is required' })
  quantity!: number;
}

export class ChangeQuantityBody {
  @Max(MAX_QUANTITY_PER_LINE)
  @Min(1)
  @IsInt({ message: 'must be an integer' })
  @IsDefined({ message: 'is required' })
  quantity!: number;
}

/**
 * `{ token }` or `{ paymentMethodId }`, exactly one (the document states the two shapes:
 * TokenPaymentBody, SavedPaymentMethodBody of ./payment-methods.ts).
 */
export class PaymentMethodBody {
  @NotACardNumber()
  @Text({ max: 100, optional: true })
  token?: string;

  @Id({ message: 'must be a payment method id', optional: true })
  paymentMethodId?: string;
}

const PAYMENT_METHOD_SHAPES = 'must be { token } or { paymentMethodId }, exactly one of them';

const ExactlyOnePaymentMethod = (): PropertyDecorator =>
  ValidateBy({
    name: 'exactlyOnePaymentMethod',
    validator: {
      validate: (value: unknown) => {
        if (value === null || typeof value !== 'object') return true;
        const given = ['token', 'paymentMethodId'].filter((field) => (value as Record<string, unknown>)[field] !== undefined);
        return given.length === 1;
      },
      defaultMessage: () => PAYMENT_METHOD_SHAPES,
    },
  });

export class CheckoutBody {
  @ValidateNested()
  @Type(() => AddressBody)
  @IsObject({ message: 'must be an address { line1, city, postalCode, country }' })
  @IsDefined({ message: 'is required' })
  shippingAddress!: AddressBody;

  @JSONSchema(() => ({
    description: 'Exactly one of: a provider token, or one of your saved payment methods.',
    anyOf: [{ $ref: `${SCHEMA_PREFIX}TokenPaymentBody` }, { $ref: `${SCHEMA_PREFIX}SavedPaymentMethodBody` }],
  }))
  @ExactlyOnePaymentMethod()
  @ValidateNested()
  @Type(() => PaymentMethodBody)
  @IsObject({ message: PAYMENT_METHOD_SHAPES })
  @IsDefined({ message: 'is required' })
  paymentMethod!: PaymentMethodBody;
}

export class AmendOrderBody {
  @ValidateNested()
  @Type(() => AddressBody)
  @IsObject({ message: 'must be an address { line1, city, postalCode, country }' })
  @IsDefined({ message: 'is required' })
  shippingAddress!: AddressBody;
}

export const ORDER_STATUSES = ['Pending', 'Paid', 'Confirmed', 'Shipped', 'Delivered', 'Failed', 'Cancelled'] as const;

export class ListOrdersQuery extends ListPageQuery {
  @IsIn(ORDER_STATUSES)
  @Text({ max: 20, optional: true, blank: 'absent', verbatim: true })
  status?: (typeof ORDER_STATUSES)[number];

  @JSONSchema({ description: 'Admins: the orders of this customer. A customer sees their own: another id is 400.', 'x-admin-only': true })
  @Id({ optional: true, blank: 'absent' })
  customerId?: string;
}

export class ListShipmentsQuery extends ListPageQuery {
  @IsIn(['Preparing', 'Shipped', 'Delivered', 'Cancelled'])
  @Text({ max: 20, optional: true, blank: 'absent', verbatim: true })
  status?: 'Preparing' | 'Shipped' | 'Delivered' | 'Cancelled';
}

export class DispatchBody {
  @Matches(/^[A-Za-z0-9-]{4,40}$/, { message: 'must be 4-40 letters, digits or "-"' })
  @Text({ max: 40, optional: true })
  trackingNumber?: string;
}
