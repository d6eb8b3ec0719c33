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
/**
 * A reset of the password was asked for (the account's email named at `POST /account/password-reset`): a
 * link is emailed, good until `expiresAt` and for this request alone (a newer one replaces it). No secret
 * in it: the link's token is a MAC of these facts made with the shop's key when the mail is sent.
 */
export type CustomerPasswordResetRequested = DomainEvent<'CustomerPasswordResetRequested', { customerId: string; requestId: string; requestedAt: string; expiresAt: string }>;
/** A new password: changed by the customer (the old one given) or reset (the emailed link). Every token issued before is dead, as after a sign-out. */
export type CustomerPasswordChanged = DomainEvent<'CustomerPasswordChanged', { customerId: string; passwordHash: string; changedAt: string; via: PasswordChangedVia }>;
export type PasswordChangedVia = 'change' | 'reset';

/** The customer was erased (GDPR art. 17): their account is gone for good; their orders stay, as a former customer's. No personal data in it. */
export type CustomerErased = DomainEvent<'CustomerErased', { customerId: string; erasedAt: string; by: ErasedBy }>;
/** The invoices' retention ended after an erasure: the invoice key was destroyed, names and addresses on orders read as erased. */
export type CustomerInvoicesExpired = DomainEvent<'CustomerInvoicesExpired', { customerId: string; expiredAt: string }>;

export type ErasedBy = 'customer' | 'admin';

export type CustomerEvent =
  | CustomerRegistered
  | CustomerAddressAdded
  | CustomerAddressRemoved
  | CustomerRoleChanged
  | CustomerSignedOut
  | CustomerPasswordResetRequested
  | CustomerPasswordChanged
  | CustomerErased
  | CustomerInvoicesExpired;

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
      /**
       * How many times the account was signed out everywhere (a sign-out, a new password). A token
       * carries the count it was issued under: one issued under fewer is dead, whatever the clocks
       * said (a sign-in that checked the old password while a new one was being saved).
       */
      signOuts?: number;
      /** The reset link outstanding: the last one asked for, until it is used, expires or a password change voids it. */
      passwordReset?: PendingReset;
    }
  /** Nothing personal is kept of an erased customer, in the state (nor in its snapshots). */
  | { status: 'Erased'; customerId: string; erasedAt: string; invoicesExpiredAt: string | null };

export type PendingReset = { requestId: string; requestedAt: string; expiresAt: string };

export const MAX_ADDRESSES = 20;
/** How long an emailed reset link works. */
export const PASSWORD_RESET_TTL_MS = 60 * 60 * 1000;
/** A request this soon after the last is answered as the last was and appends nothing: one mail a minute at most, whoever asks. */
export const PASSWORD_RESET_INTERVAL_MS = 60 * 1000;

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
      return state.status === 'Registered' ? { ...state, signedOutAt: event.data.signedOutAt, signOuts: (state.signOuts ?? 0) + 1 } : state;
    case 'CustomerPasswordResetRequested': {
      const { requestId, requestedAt, expiresAt } = event.data;
      return state.status === 'Registered' ? { ...state, passwordReset: { requestId, requestedAt, expiresAt } } : state;
    }
    case 'CustomerPasswordChanged': {
      if (state.status !== 'Registered') return state;
      const { passwordReset: _used, ...rest } = state;
      return { ...rest, passwordHash: event.data.passwordHash, signedOutAt: event.data.changedAt, signOuts: (state.signOuts ?? 0) + 1 };
    }
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
export type RequestPasswordReset = { type: 'RequestPasswordReset'; requestId: string; now: string };
/**
 * The customer's new password, hashed; the current one was checked by the command layer against
 * `checkedAgainst` (hashes are not the domain's to compute): refused if the password changed since.
 */
export type ChangePassword = { type: 'ChangePassword'; passwordHash: string; checkedAgainst: string; now: string };
/** The new password through an emailed link: `requestId` is the link's (its MAC checked by the command layer). */
export type ResetPassword = { type: 'ResetPassword'; requestId: string; passwordHash: string; now: string };
export type EraseCustomer = { type: 'EraseCustomer'; by: ErasedBy; now: string };
export type ExpireCustomerInvoices = { type: 'ExpireCustomerInvoices'; now: string };

export type CustomerCommand =
  | RegisterCustomer
  | AddCustomerAddress
  | RemoveCustomerAddress
  | ChangeCustomerRole
  | SignOutEverywhere
  | RequestPasswordReset
  | ChangePassword
  | ResetPassword
  | EraseCustomer
  | ExpireCustomerInvoices;

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
    case 'RequestPasswordReset':
      return requestReset(command, registered(state));
    case 'ChangePassword': {
      const customer = registered(state);
      // A reset (or another change) was saved while the current password was being checked: that one stands.
      if (customer.passwordHash !== command.checkedAgainst) throw new ConflictError('the password was changed meanwhile: sign in with the new one');
      return [passwordChanged(customer, command.passwordHash, command.now, 'change')];
    }
    case 'ResetPassword':
      return resetPassword(command, registered(state));
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

/** A new link, unless the last was asked for less than PASSWORD_RESET_INTERVAL_MS ago (and is still good): nothing then. */
const requestReset = (command: RequestPasswordReset, customer: Registered): CustomerEvent[] => {
  const last = customer.passwordReset;
  const now = Date.parse(command.now);
  if (last && now - Date.parse(last.requestedAt) < PASSWORD_RESET_INTERVAL_MS && now < Date.parse(last.expiresAt)) return [];
  const expiresAt = new Date(now + PASSWORD_RESET_TTL_MS).toISOString();
  return [{ type: 'CustomerPasswordResetRequested', data: { customerId: customer.customerId, requestId: command.requestId, requestedAt: command.now, expiresAt } }];
};

/** A link works once, before it expires, and only the last one asked for: a newer request, a password change or its own use voids it. */
const resetPassword = (command: ResetPassword, customer: Registered): CustomerEvent[] => {
  const pending = customer.passwordReset;
  if (!pending || pending.requestId !== command.requestId) throw new UnprocessableError('this reset link was used or replaced by a newer one: ask for another');
  if (Date.parse(command.now) >= Date.parse(pending.expiresAt)) throw new UnprocessableError('this reset link has expired: ask for another');
  return [passwordChanged(customer, command.passwordHash, command.now, 'reset')];
};

const passwordChanged = (customer: Registered, passwordHash: string, now: string, via: PasswordChangedVia): CustomerEvent => ({
  type: 'CustomerPasswordChanged',
  data: { customerId: customer.customerId, passwordHash, changedAt: now, via },
});

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

// 2: `signOuts` (snapshots of version 1 lack it: the stream is folded whole again).
export const customerDecider: Decider<Customer, CustomerCommand, CustomerEvent> = { initialState, evolve, decide, snapshotVersion: 2 };

export const customerStream = (customerId: string) => `customer-${customerId}`;
