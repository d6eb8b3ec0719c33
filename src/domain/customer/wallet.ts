import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../shared/errors.js';
import type { Decider, DomainEvent } from '../shared/types.js';

/**
 * A customer's saved payment methods (seed 003: user management holds "payment methods").
 * What is kept is the payment provider's token for a card, with the brand and last four
 * digits the provider reported for it: never a card number. A stream of its own per
 * customer (`wallet-<customerId>`), beside `customer-<customerId>`: saving a card does not
 * move the profile's revision (an If-Match on an address stays good), the profile that
 * every sign-in folds does not grow with cards, and the wallet's rules (one default, at most
 * MAX_PAYMENT_METHODS) need nothing of the profile.
 */

// ------------------------------------------------------------------ events

export type PaymentMethodSaved = DomainEvent<
  'PaymentMethodSaved',
  { customerId: string; paymentMethodId: string; token: string; brand: string; last4: string; label: string | null; isDefault: boolean; savedAt: string }
>;
export type PaymentMethodRemoved = DomainEvent<'PaymentMethodRemoved', { customerId: string; paymentMethodId: string; removedAt: string }>;
export type DefaultPaymentMethodChanged = DomainEvent<'DefaultPaymentMethodChanged', { customerId: string; paymentMethodId: string; changedAt: string }>;

export type WalletEvent = PaymentMethodSaved | PaymentMethodRemoved | DefaultPaymentMethodChanged;

export const WALLET_EVENT_TYPES = ['PaymentMethodSaved', 'PaymentMethodRemoved', 'DefaultPaymentMethodChanged'] as const;

// ------------------------------------------------------------------ state

export type SavedPaymentMethod = { paymentMethodId: string; token: string; brand: string; last4: string; label: string | null; savedAt: string };

export type Wallet = {
  /** Oldest first: the order they were saved in. */
  methods: SavedPaymentMethod[];
  defaultId: string | null;
  /** Ids removed: never given to another method, and named as removed at checkout. */
  removedIds: string[];
};

export const MAX_PAYMENT_METHODS = 20;

export const initialState = (): Wallet => ({ methods: [], defaultId: null, removedIds: [] });

export const evolve = (state: Wallet, event: WalletEvent): Wallet => {
  switch (event.type) {
    case 'PaymentMethodSaved': {
      const { paymentMethodId, token, brand, last4, label, isDefault, savedAt } = event.data;
      const methods = [...state.methods, { paymentMethodId, token, brand, last4, label, savedAt }];
      return { ...state, methods, defaultId: isDefault ? paymentMethodId : state.defaultId };
    }
    case 'PaymentMethodRemoved': {
      const { paymentMethodId } = event.data;
      return {
        methods: state.methods.filter((m) => m.paymentMethodId !== paymentMethodId),
        defaultId: state.defaultId === paymentMethodId ? null : state.defaultId,
        removedIds: [...state.removedIds, paymentMethodId],
      };
    }
    case 'DefaultPaymentMethodChanged':
      return { ...state, defaultId: event.data.paymentMethodId };
  }
};

// ------------------------------------------------------------------ commands

/** `brand` and `last4` are what the provider reported for `token` (the command layer asked it). */
export type SavePaymentMethod = {
  type: 'SavePaymentMethod';
  customerId: string;
  paymentMethodId: string;
  token: string;
  brand: string;
  last4: string;
  label: string | null;
  now: string;
};
export type RemovePaymentMethod = { type: 'RemovePaymentMethod'; customerId: string; paymentMethodId: string; now: string };
export type ChooseDefaultPaymentMethod = { type: 'ChooseDefaultPaymentMethod'; customerId: string; paymentMethodId: string; now: string };

export type WalletCommand = SavePaymentMethod | RemovePaymentMethod | ChooseDefaultPaymentMethod;

export const decide = (command: WalletCommand, state: Wallet): WalletEvent[] => {
  switch (command.type) {
    case 'SavePaymentMethod':
      return save(command, state);
    case 'RemovePaymentMethod':
      return remove(command, state);
    case 'ChooseDefaultPaymentMethod': {
      const method = held(state, command.paymentMethodId);
      if (state.defaultId === method.paymentMethodId) return [];
      return [{ type: 'DefaultPaymentMethodChanged', data: { customerId: command.customerId, paymentMethodId: method.paymentMethodId, changedAt: command.now } }];
    }
    default: {
      const _exhaustive: never = command;
      throw _exhaustive;
    }
  }
};

/** The same token saved again is the method saved already (nothing appended); the first one saved is the default. */
const save = (command: SavePaymentMethod, state: Wallet): WalletEvent[] => {
  if (looksLikeCardNumber(command.token)) throw new ValidationError('a card number cannot be saved', [{ field: 'token', message: CARD_NUMBER_MESSAGE }]);
  if (command.label !== null && containsCardNumber(command.label)) {
    throw new ValidationError('a card number cannot be saved', [{ field: 'label', message: LABEL_CARD_NUMBER_MESSAGE }]);
  }
  if (state.methods.some((m) => m.token === command.token)) return [];
  if (state.methods.some((m) => m.paymentMethodId === command.paymentMethodId) || state.removedIds.includes(command.paymentMethodId)) {
    throw new ConflictError('another payment method has this id');
  }
  if (state.methods.length >= MAX_PAYMENT_METHODS) throw new UnprocessableError(`a customer keeps at most ${MAX_PAYMENT_METHODS} payment methods: remove one first`);
  const { customerId, paymentMethodId, token, brand, last4, label, now } = command;
  return [{ type: 'PaymentMethodSaved', data: { customerId, paymentMethodId, token, brand, last4, label, isDefault: state.defaultId === null, savedAt: now } }];
};

/** Removing the default makes the oldest remaining method the default, so a wallet with methods always has one. */
const remove = (command: RemovePaymentMethod, state: Wallet): WalletEvent[] => {
  const method = held(state, command.paymentMethodId);
  const removed: WalletEvent = { type: 'PaymentMethodRemoved', data: { customerId: command.customerId, paymentMethodId: method.paymentMethodId, removedAt: command.now } };
  const next = state.methods.find((m) => m.paymentMethodId !== method.paymentMethodId);
  if (state.defaultId !== method.paymentMethodId || !next) return [removed];
  return [removed, { type: 'DefaultPaymentMethodChanged', data: { customerId: command.customerId, paymentMethodId: next.paymentMethodId, changedAt: command.now } }];
};

/** A method of this wallet; a removed or unknown id (or another customer's: it is in another wallet) is not found. */
const held = (state: Wallet, paymentMethodId: string): SavedPaymentMethod => {
  const method = state.methods.find((m) => m.paymentMethodId === paymentMethodId);
  if (!method) throw new NotFoundError('payment method not found');
  return method;
};

/** The token a checkout pays with: a removed method, or one this wallet never held, cannot pay (422: the body names it). */
export const tokenToPayWith = (state: Wallet, paymentMethodId: string): string => {
  const method = state.methods.find((m) => m.paymentMethodId === paymentMethodId);
  if (method) return method.token;
  if (state.removedIds.includes(paymentMethodId)) throw new UnprocessableError('this saved payment method was removed: choose another one');
  throw new UnprocessableError('no saved payment method of yours has this id');
};

/** What a client may see of a saved method: never its token. */
export const describeMethod = (state: Wallet, method: SavedPaymentMethod) => ({
  paymentMethodId: method.paymentMethodId,
  brand: method.brand,
  last4: method.last4,
  label: method.label,
  isDefault: state.defaultId === method.paymentMethodId,
});

// ------------------------------------------------------------------ card numbers

export const CARD_NUMBER_MESSAGE = "looks like a card number: send the payment provider's token for the card, never the card number";
export const LABEL_CARD_NUMBER_MESSAGE = 'holds what looks like a card number (12 or more digits): name the card without its number';

/**
 * A value made of 12 to 19 digits, alone or grouped by spaces or dashes, is taken for a card
 * number (a primary account number), Luhn-valid or not: a shop that never receives one
 * never stores, logs or echoes one. Provider tokens have letters in them.
 */
export const looksLikeCardNumber = (value: string): boolean => {
  const trimmed = value.trim();
  if (!/^[0-9][0-9 -]*[0-9]$/.test(trimmed)) return false;
  const digits = trimmed.replace(/[ -]/g, '');
  return digits.length >= 12 && digits.length <= 19;
};

/**
 * A label with a card number in it ("Visa 4111 1111 1111 1111"): 12 or more digits in a row,
 * whatever separates them (dots, slashes, any space, zero-width characters) and however they
 * are written (full-width, superscript, another script's digits: Unicode reads each as a digit).
 */
export const containsCardNumber = (value: string): boolean => {
  const text = value.normalize('NFKC');
  return /\d{12}/.test(text.replace(/\p{Nd}/gu, '0').replace(/[^\p{L}\d]/gu, '')) || spelledOutCardNumber(text);
};

/**
 * A card number with a letter or two between its groups ("4111a1111b1111c1111", "4111 x 1111 x ..."):
 * groups of digits with at most two letters between each (whatever else separates them), 13 to
 * 19 digits in all that pass the Luhn check, as every card number does (an address's house and
 * flat numbers rarely come to 13 digits, and then pass it one time in ten).
 */
const spelledOutCardNumber = (text: string): boolean => {
  for (const run of text.replace(/[^\p{L}0-9]/gu, '').match(/[0-9]+(?:\p{L}{1,2}[0-9]+)+/gu) ?? []) {
    const digits = run.replace(/\p{L}/gu, '');
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) return true;
  }
  return false;
};

/**
 * A card number written as one is written (13 to 19 digits, alone or in groups of four, or
 * Amex's 4-6-5, with spaces or hyphens) that passes the Luhn check, in a text where numbers
 * of other kinds are at home (a review: dates, times, quantities, which no such rule refuses).
 */
export const writtenCardNumberIn = (value: string): boolean => {
  const text = value.normalize('NFKC');
  for (const match of text.matchAll(/(?<![0-9])(?:[0-9]{13,19}|[0-9]{4}(?:[ -][0-9]{4}){2}[ -][0-9]{1,7}|[0-9]{4}[ -][0-9]{6}[ -][0-9]{5})(?![0-9])/g)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && CARD_ISSUERS.test(digits) && luhnValid(digits)) return true;
  }
  return spelledOutCardNumber(text);
};

/**
 * How the card networks' numbers begin (Visa 4, Mastercard 51-55 and 2221-2720, Amex 34 and 37,
 * Diners 30, 36, 38, JCB 35, Discover and UnionPay 6): a 13-digit timestamp or an order number in
 * a review that happens to pass the Luhn check (one in ten does) is none of them.
 */
const CARD_ISSUERS = /^(?:4|5[1-5]|2[2-7]|3[0457-8]|6)/;

const luhnValid = (digits: string): boolean => {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    const digit = Number(digits[digits.length - 1 - i]);
    sum += i % 2 === 1 ? (digit * 2 > 9 ? digit * 2 - 9 : digit * 2) : digit;
  }
  return sum % 10 === 0;
};

export const walletDecider: Decider<Wallet, WalletCommand, WalletEvent> = { initialState, evolve, decide, snapshotVersion: 1 };

export const walletStream = (customerId: string) => `wallet-${customerId}`;
