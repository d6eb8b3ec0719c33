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
  { customerId: string; email: string; name: string; passwordHash: string; role: CustomerRole; registeredAt: string }
>;
export type CustomerAddressAdded = DomainEvent<'CustomerAddressAdded', { customerId: string; address: Address; addedAt: string }>;
export type CustomerRoleChanged = DomainEvent<'CustomerRoleChanged', { customerId: string; role: CustomerRole; changedAt: string }>;

export type CustomerEvent = CustomerRegistered | CustomerAddressAdded | CustomerRoleChanged;

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
    };

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
    case 'CustomerRoleChanged':
      return state.status === 'Registered' ? { ...state, role: event.data.role } : state;
  }
};

// ------------------------------------------------------------------ commands

export type RegisterCustomer = {
  type: 'RegisterCustomer';
  customerId: string;
  email: string;
  name: string;
  passwordHash: string;
  role: CustomerRole;
  now: string;
};
export type AddCustomerAddress = { type: 'AddCustomerAddress'; address: Address; now: string };
export type ChangeCustomerRole = { type: 'ChangeCustomerRole'; role: CustomerRole; now: string };

export type CustomerCommand = RegisterCustomer | AddCustomerAddress | ChangeCustomerRole;

export const decide = (command: CustomerCommand, state: Customer): CustomerEvent[] => {
  switch (command.type) {
    case 'RegisterCustomer':
      return register(command, state);
    case 'AddCustomerAddress':
      return addAddress(command, registered(state));
    case 'ChangeCustomerRole': {
      const customer = registered(state);
      if (customer.role === command.role) return [];
      return [{ type: 'CustomerRoleChanged', data: { customerId: customer.customerId, role: command.role, changedAt: command.now } }];
    }
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
  return [{ type: 'CustomerRegistered', data: { customerId, email, name, passwordHash, role, registeredAt: now } }];
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
