import { address, arr, nullable, obj, withFields, oneOf, str, time, uuid } from '../json-schema.js';

export const savedAddressSchema = withFields(address(), { addressId: uuid() });

/** What getCustomerProfile answers. */
export const customerProfileSchema = obj({
  customerId: uuid(),
  email: str({ format: 'email' }),
  name: str(),
  phone: nullable(str()),
  role: oneOf('customer', 'admin'),
  addresses: arr(savedAddressSchema),
  registeredAt: time(),
});
