import { ConflictError, NotFoundError, UnprocessableError, ValidationError, type FieldError } from '../shared/errors.js';
import type { Decider, DomainEvent } from '../shared/types.js';

// ------------------------------------------------------------------ events

export const CUSTOMER_ROLES = ['customer', 'admin'] as const;
export type CustomerRole = (typeof CUSTOMER_ROLES)[number];

export type Address = {
  addressId: string;
  line1: string;
  city: string;
  postalCode: string;
  country: string;
};

export type CustomerRegistered = DomainEvent<
  'CustomerRegistered',
  { customerId: string; email: string; name: string; passwordHash: string; role: CustomerRole; registeredAt: string; /** Given at registration, or absent. */ phone?: string }
>;
export type CustomerAddressAdded = DomainEvent<'CustomerAddressAdded', { customerId: string; address: Address; addedAt: string }>;
export type CustomerAddressRemoved = DomainEvent<'CustomerAddressRemoved', { customerId: string; addressId: string; removedAt: string }>;
export type CustomerRoleChanged = DomainEvent<'CustomerRoleChanged', { customerId: string; role: CustomerRole; changedAt: string }>;
/** Signed out everywhere: every token issued to the account before `signedOutAt` is refused from then on. */
export type CustomerSignedOut = DomainEvent<'CustomerSignedOut', { customerId: string; signedOutAt: string }>;

/** The customer was erased (GDPR art. 17): their account is gone for good; their orders stay, as a former customer's. No personal data in it. */
export type CustomerErased = DomainEvent<'CustomerErased', { customerId: string; erasedAt: string; by: ErasedBy }>;
/** The invoices' retention ended after an erasure: the invoice key was destroyed, names and addresses on orders read as erased. */
export type CustomerInvoicesExpired = DomainEvent<'CustomerInvoicesExpired', { customerId: string; expiredAt: string }>;

export type ErasedBy = 'customer' | 'admin';

export type CustomerEvent = CustomerRegistered | CustomerAddressAdded | CustomerAddressRemoved | CustomerRoleChanged | CustomerSignedOut | CustomerErased | CustomerInvoicesExpired;

// ------------------------------------------------------------------ state

export type Customer =
  | { status: 'None' }
  | {
      status: 'Registered';
      customerId: string;
      email: string;
      name: string;
      passwordHash: string;
      role: CustomerRole;
      addresses: Address[];
      /** The last sign-out everywhere (absent before the first, and in snapshots of the version before). */
      signedOutAt?: string;
    }
  /** Nothing personal is kept of an erased customer, in the state (nor in its snapshots). */
  | { status: 'Erased'; customerId: string; erasedAt: string; invoicesExpiredAt: string | null };

export const MAX_ADDRESSES = 20;

export const initialState = (): Customer => ({ status: 'None' });

export const evolve = (state: Customer, event: CustomerEvent): Customer => {
  switch (event.type) {
    case 'CustomerRegistered': {
      const { customerId, email, name, passwordHash, role } = event.data;
      return { status: 'Registered', customerId, email, name, passwordHash, role, addresses: [] };
    }
    case 'CustomerAddressAdded':
      return state.status === 'Registered' ? { ...state, addresses: [...state.addresses, event.data.address] } : state;
    case 'CustomerAddressRemoved':
      return state.status === 'Registered' ? { ...state, addresses: state.addresses.filter((a) => a.addressId !== event.data.addressId) } : state;
    case 'CustomerRoleChanged':
      return state.status === 'Registered' ? { ...state, role: event.data.role } : state;
    case 'CustomerSignedOut':
      return state.status === 'Registered' ? { ...state, signedOutAt: event.data.signedOutAt } : state;
    case 'CustomerErased':
      return { status: 'Erased', customerId: event.data.customerId, erasedAt: event.data.erasedAt, invoicesExpiredAt: null };
    case 'CustomerInvoicesExpired':
      return state.status === 'Erased' ? { ...state, invoicesExpiredAt: event.data.expiredAt } : state;
  }
};

// ------------------------------------------------------------------ commands

export type RegisterCustomer = {
  type: 'RegisterCustomer';
  customerId: string;
  email: string;
  name: string;
  /** A contact number for deliveries, optional. */
  phone?: string;
  passwordHash: string;
  role: CustomerRole;
  now: string;
};
export type AddCustomerAddress = { type: 'AddCustomerAddress'; address: Address; now: string };
export type RemoveCustomerAddress = { type: 'RemoveCustomerAddress'; addressId: string; now: string };
export type ChangeCustomerRole = { type: 'ChangeCustomerRole'; role: CustomerRole; now: string };
export type SignOutEverywhere = { type: 'SignOutEverywhere'; now: string };
export type EraseCustomer = { type: 'EraseCustomer'; by: ErasedBy; now: string };
export type ExpireCustomerInvoices = { type: 'ExpireCustomerInvoices'; now: string };

export type CustomerCommand = RegisterCustomer | AddCustomerAddress | RemoveCustomerAddress | ChangeCustomerRole | SignOutEverywhere | EraseCustomer | ExpireCustomerInvoices;

export const decide = (command: CustomerCommand, state: Customer): CustomerEvent[] => {
  switch (command.type) {
    case 'RegisterCustomer':
      return register(command, state);
    case 'AddCustomerAddress':
      return addAddress(command, registered(state));
    case 'RemoveCustomerAddress': {
      const customer = registered(state);
      if (!customer.addresses.some((a) => a.addressId === command.addressId)) throw new NotFoundError('address not found');
      return [{ type: 'CustomerAddressRemoved', data: { customerId: customer.customerId, addressId: command.addressId, removedAt: command.now } }];
    }
    case 'ChangeCustomerRole': {
      const customer = registered(state);
      if (customer.role === command.role) return [];
      return [{ type: 'CustomerRoleChanged', data: { customerId: customer.customerId, role: command.role, changedAt: command.now } }];
    }
    case 'SignOutEverywhere':
      return [{ type: 'CustomerSignedOut', data: { customerId: registered(state).customerId, signedOutAt: command.now } }];
    case 'EraseCustomer':
      return erase(command, state);
    case 'ExpireCustomerInvoices':
      return expireInvoices(command, state);
    default: {
      const _exhaustive: never = command;
      throw _exhaustive;
    }
  }
};

const register = (command: RegisterCustomer, state: Customer): CustomerEvent[] => {
  if (state.status !== 'None') throw new ConflictError('the customer is already registered');
  const name = command.name.trim();
  const email = normalizeEmail(command.email);
  const errors: FieldError[] = [];
  if (name.length === 0) errors.push({ field: 'name', message: 'must not be blank' });
  if (!EMAIL_SHAPE.test(email)) errors.push({ field: 'email', message: 'must be an email address' });
  if (errors.length > 0) throw new ValidationError(errors.map((e) => `${e.field} ${e.message}`).join(', '), errors);
  const { customerId, passwordHash, role, now } = command;
  const phone = command.phone?.trim();
  return [{ type: 'CustomerRegistered', data: { customerId, email, name, passwordHash, role, registeredAt: now, ...(phone ? { phone } : {}) } }];
};

/** The least an address must be to name a mailbox (and the claim stream `customeremail-<email>`). */
const EMAIL_SHAPE = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+$/u;

const addAddress = (command: AddCustomerAddress, customer: Registered): CustomerEvent[] => {
  const same = customer.addresses.find((a) => sameAddress(a, command.address));
  if (same) return [];
  if (customer.addresses.some((a) => a.addressId === command.address.addressId)) {
    throw new ConflictError('another address already has this id');
  }
  if (customer.addresses.length >= MAX_ADDRESSES) {
    throw new UnprocessableError(`a customer keeps at most ${MAX_ADDRESSES} addresses`);
  }
  return [{ type: 'CustomerAddressAdded', data: { customerId: customer.customerId, address: command.address, addedAt: command.now } }];
};

/** Erasing an erased customer appends nothing (the first erasure stands, with its time). */
const erase = (command: EraseCustomer, state: Customer): CustomerEvent[] => {
  if (state.status === 'Erased') return [];
  const { customerId } = registered(state);
  return [{ type: 'CustomerErased', data: { customerId, erasedAt: command.now, by: command.by } }];
};

/** Only an erased customer's invoices expire, once. */
const expireInvoices = (command: ExpireCustomerInvoices, state: Customer): CustomerEvent[] => {
  if (state.status === 'None') throw new NotFoundError('customer not found');
  if (state.status === 'Registered') throw new ConflictError("the invoices of a customer who was not erased are kept with the account");
  if (state.invoicesExpiredAt !== null) return [];
  return [{ type: 'CustomerInvoicesExpired', data: { customerId: state.customerId, expiredAt: command.now } }];
};

type Registered = Extract<Customer, { status: 'Registered' }>;

const registered = (state: Customer): Registered => {
  if (state.status !== 'Registered') throw new NotFoundError('customer not found');
  return state;
};

/** Two spellings of one address are one address: compare trimmed, case-folded and with single spaces. */
export const sameAddress = (a: Omit<Address, 'addressId'>, b: Omit<Address, 'addressId'>) =>
  (['line1', 'city', 'postalCode', 'country'] as const).every((field) => canonical(a[field]) === canonical(b[field]));

const canonical = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

/** Emails compare case-insensitively: one account per mailbox. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export const customerDecider: Decider<Customer, CustomerCommand, CustomerEvent> = { initialState, evolve, decide, snapshotVersion: 1 };

export const customerStream = (customerId: string) => `customer-${customerId}`;
