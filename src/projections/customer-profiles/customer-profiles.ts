import type {
  Address,
  CustomerAddressAdded,
  CustomerRegistered,
  CustomerRole,
  CustomerRoleChanged,
} from '../../domain/customer/customer.js';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Document, ReadModelCollection } from '../../infrastructure/read-models/read-model-store.js';
import type { Projection } from '../projection.js';

/** A customer's profile. The password hash never reaches a read model. */
export type CustomerProfile = Document & {
  customerId: string;
  email: string;
  name: string;
  role: CustomerRole;
  addresses: Address[];
  registeredAt: string;
};

type Handled = CustomerRegistered | CustomerAddressAdded | CustomerRoleChanged;

const evolve = (current: CustomerProfile | null, recorded: RecordedEvent): CustomerProfile | null => {
  const event = recorded as unknown as Handled;
  switch (event.type) {
    case 'CustomerRegistered': {
      const { customerId, email, name, role, registeredAt } = event.data;
      return { _id: customerId, customerId, email, name, role, addresses: [], registeredAt };
    }
    case 'CustomerAddressAdded':
      return current && { ...current, addresses: [...current.addresses, event.data.address] };
    case 'CustomerRoleChanged':
      return current && { ...current, role: event.data.role };
  }
};

export const customerProfilesProjection: Projection<CustomerProfile> = {
  name: 'customer-profiles',
  collection: 'customers',
  eventTypes: ['CustomerRegistered', 'CustomerAddressAdded', 'CustomerRoleChanged'],
  documentIds: (event) => [String(event.data.customerId)],
  evolve,
  indexes: [{ keys: { email: 1 } }],
};

export const getCustomerProfile = async (customers: ReadModelCollection<CustomerProfile>, customerId: string) => {
  const doc = await customers.findOne({ _id: customerId });
  if (!doc) return undefined;
  const { customerId: id, email, name, role, addresses, registeredAt } = doc;
  return { customerId: id, email, name, role, addresses, registeredAt };
};
