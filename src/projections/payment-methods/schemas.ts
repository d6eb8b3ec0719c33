import { arr, bool, nullable, obj, str, uuid } from '../json-schema.js';

/** One saved payment method as a client sees it: never its token. */
export const paymentMethodSchema = obj({
  paymentMethodId: uuid(),
  brand: str(),
  last4: str({ pattern: '^[0-9]{4}$' }),
  label: nullable(str()),
  isDefault: bool(),
});

/** What listPaymentMethods answers: oldest first. */
export const paymentMethodListSchema = obj({ items: arr(paymentMethodSchema) });
