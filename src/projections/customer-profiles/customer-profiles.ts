import type {
  Address,
  CustomerAddressAdded,
  CustomerErased,
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
  /** Null when none was given (and on profiles projected before phones were asked for). */
  phone?: string | null;
  role: CustomerRole;
  addresses: Address[];
  registeredAt: string;
};

/** What is left of an erased customer's profile: a tombstone, nothing personal (no email, no name, no role). */
export type ErasedProfile = Document & { customerId: string; erasedAt: string };

/** A document of `customers` as read where tombstones may be met (the collection's type says profile). */
export const isErasedProfile = (doc: CustomerProfile | ErasedProfile): doc is ErasedProfile => typeof (doc as ErasedProfile).erasedAt === 'string';

type Handled = CustomerRegistered | CustomerAddressAdded | CustomerRoleChanged | CustomerErased;

type CustomerDocument = CustomerProfile | ErasedProfile;

const evolve = (current: CustomerDocument | null, recorded: RecordedEvent): CustomerDocument | null => {
  const event = recorded as unknown as Handled;
  switch (event.type) {
    case 'CustomerRegistered': {
      const { customerId, email, name, role, registeredAt, phone } = event.data;
      return { _id: customerId, customerId, email, name, phone: phone ?? null, role, addresses: [], registeredAt };
    }
    case 'CustomerAddressAdded':
      return current && !isErasedProfile(current) ? { ...current, addresses: [...current.addresses, event.data.address] } : current;
    case 'CustomerRoleChanged':
      return current && !isErasedProfile(current) ? { ...current, role: event.data.role } : current;
    case 'CustomerErased':
      return { _id: event.data.customerId, customerId: event.data.customerId, erasedAt: event.data.erasedAt };
  }
};

export const customerProfilesProjection: Projection<CustomerDocument> = {
  name: 'customer-profiles',
  collection: 'customers',
  eventTypes: ['CustomerRegistered', 'CustomerAddressAdded', 'CustomerRoleChanged', 'CustomerErased'],
  documentIds: (event) => [String(event.data.customerId)],
  evolve,
  indexes: [{ keys: { email: 1 } }],
  version: 2, // 2: the phone given at registration (null when none)
};

export const getCustomerProfile = async (customers: ReadModelCollection<CustomerDocument>, customerId: string) => {
  const doc = await customers.findOne({ _id: customerId });
  if (!doc || isErasedProfile(doc)) return undefined;
  const { customerId: id, email, name, phone, role, addresses, registeredAt } = doc;
  return { customerId: id, email, name, phone: phone ?? null, role, addresses, registeredAt };
};
