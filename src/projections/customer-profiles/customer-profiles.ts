import type { Address, CustomerEvent, CustomerInvoicesExpired, CustomerRole } from '../../domain/customer/customer.js';
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
  /** The last sign-out everywhere (see AccountRoles): absent before the first. */
  signedOutAt?: string;
  /** How many times the account was signed out everywhere (a sign-out, a new password): tokens issued under fewer are dead. */
  signOuts?: number;
  /**
   * The revision of the `customer-<id>` stream after the last event folded: what a write's
   * If-Match is compared with (the profile's ETag). Absent in documents folded by version 2.
   */
  revision?: number;
};

/** What is left of an erased customer's profile: a tombstone, nothing personal (no email, no name, no role). */
export type ErasedProfile = Document & { customerId: string; erasedAt: string };

/** A document of `customers` as read where tombstones may be met (the collection's type says profile). */
export const isErasedProfile = (doc: CustomerProfile | ErasedProfile): doc is ErasedProfile => typeof (doc as ErasedProfile).erasedAt === 'string';

/** Every event of the stream but the invoices' expiry, which follows an erasure: nobody reads that profile. */
type Handled = Exclude<CustomerEvent, CustomerInvoicesExpired>;

type CustomerDocument = CustomerProfile | ErasedProfile;

const evolve = (current: CustomerDocument | null, recorded: RecordedEvent): CustomerDocument | null => {
  const event = recorded as unknown as Handled;
  switch (event.type) {
    case 'CustomerRegistered': {
      const { customerId, email, name, role, registeredAt, phone } = event.data;
      return { _id: customerId, customerId, email, name, phone: phone ?? null, role, addresses: [], registeredAt, signOuts: 0, revision: recorded.revision };
    }
    case 'CustomerAddressAdded':
      return current && !isErasedProfile(current) ? { ...current, addresses: [...current.addresses, event.data.address], revision: recorded.revision } : current;
    case 'CustomerAddressRemoved':
      return current && !isErasedProfile(current)
        ? { ...current, addresses: current.addresses.filter((a) => a.addressId !== event.data.addressId), revision: recorded.revision }
        : current;
    case 'CustomerRoleChanged':
      return current && !isErasedProfile(current) ? { ...current, role: event.data.role, revision: recorded.revision } : current;
    // Read by AccountRoles (the tokens issued before are refused); not part of the profile's answer.
    case 'CustomerSignedOut':
      return current && !isErasedProfile(current) ? { ...current, signedOutAt: event.data.signedOutAt, signOuts: (current.signOuts ?? 0) + 1, revision: recorded.revision } : current;
    // The stream moved (the profile's ETag is its revision); nothing of it is shown.
    case 'CustomerPasswordResetRequested':
      return current && !isErasedProfile(current) ? { ...current, revision: recorded.revision } : current;
    // A new password signs the account out everywhere (the hash itself never reaches a read model).
    case 'CustomerPasswordChanged':
      return current && !isErasedProfile(current) ? { ...current, signedOutAt: event.data.changedAt, signOuts: (current.signOuts ?? 0) + 1, revision: recorded.revision } : current;
    case 'CustomerErased':
      return { _id: event.data.customerId, customerId: event.data.customerId, erasedAt: event.data.erasedAt };
  }
};

export const customerProfilesProjection: Projection<CustomerDocument> = {
  name: 'customer-profiles',
  collection: 'customers',
  eventTypes: [
    'CustomerRegistered',
    'CustomerAddressAdded',
    'CustomerAddressRemoved',
    'CustomerRoleChanged',
    'CustomerSignedOut',
    'CustomerPasswordResetRequested',
    'CustomerPasswordChanged',
    'CustomerErased',
  ],
  documentIds: (event) => [String(event.data.customerId)],
  evolve,
  indexes: [{ keys: { email: 1 } }],
  // 2: the phone given at registration (null when none); 3: the stream's revision (the profile's ETag);
  // 4: the count of sign-outs everywhere (tokens carry it: see AccountRoles).
  // The stream's other event after these, CustomerInvoicesExpired, follows an erasure: nobody reads that profile.
  version: 4,
};

/** The profile and its stream's revision (undefined in a document of an older version of this projection). */
export const readCustomerProfile = async (customers: ReadModelCollection<CustomerDocument>, customerId: string) => {
  const doc = await customers.findOne({ _id: customerId });
  if (!doc || isErasedProfile(doc)) return undefined;
  const { customerId: id, email, name, phone, role, addresses, registeredAt, revision } = doc;
  return { profile: { customerId: id, email, name, phone: phone ?? null, role, addresses, registeredAt }, revision: typeof revision === 'number' ? revision : undefined };
};

export const getCustomerProfile = async (customers: ReadModelCollection<CustomerDocument>, customerId: string) =>
  (await readCustomerProfile(customers, customerId))?.profile;
