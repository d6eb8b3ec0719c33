import { v4 as uuidv4 } from 'uuid';
import {
  customerDecider,
  customerStream,
  normalizeEmail,
  sameAddress,
  type Address,
  type CustomerRole,
  type RegisterCustomer,
} from '../domain/customer/customer.js';
import { emailClaimDecider } from '../domain/customer/email-claim.js';
import { emailKey } from '../domain/customer/email-spellings.js';
import { ConflictError, UnprocessableError } from '../domain/shared/errors.js';
import type { PasswordHasher } from '../infrastructure/security/passwords.js';
import { claimStreamsOf, type EmailIndex } from '../privacy/email-index.js';
import { derivedId, refuseIfMatch, type CommandContext, type CommandHandler } from './command-handler.js';

/**
 * Customer accounts. Registration writes two streams: the email claim (which keeps
 * addresses unique), then the customer. Everything the customer decider could refuse is
 * refused before the claim, so a rejected registration appends nothing. A claim left
 * without its customer (a crash, the store failing between the two appends) is completed
 * by the next registration of that address, at once and under the claim's customer id:
 * a retry, with or without its Idempotency-Key, finishes the work instead of waiting.
 */

export type AccountDeps = { commands: CommandHandler; passwords: PasswordHasher; emails: EmailIndex };

export type Registration = { email: string; password: string; name: string; phone?: string; role?: CustomerRole };

export const registerCustomer = async (deps: AccountDeps, input: Registration, context: CommandContext) => {
  const email = normalizeEmail(input.email);
  const registration = (customerId: string, passwordHash: string): RegisterCustomer => ({
    type: 'RegisterCustomer',
    customerId,
    email,
    name: input.name,
    ...(input.phone ? { phone: input.phone } : {}),
    passwordHash,
    role: input.role ?? 'customer',
    now: context.now,
  });
  // A dry run on a new customer: the decider's own rules, checked before anything is written.
  customerDecider.decide(registration('', ''), customerDecider.initialState());
  const passwordHash = await deps.passwords.hash(input.password);
  const customerId = await claimEmail(deps, email, context);
  const handled = await deps.commands
    .handle(customerDecider, customerStream(customerId), registration(customerId, passwordHash), context)
    .catch(taken);
  return { customerId, revision: handled.revision, position: handled.position };
};

/** Claims the address, or adopts the claim already there; returns the customer id the address belongs to. */
const claimEmail = async (deps: AccountDeps, email: string, context: CommandContext) => {
  const { stream, claim } = await claimOf(deps, email);
  // A claim's customer id is the address's for good: an existing customer makes the next
  // step refuse (409), a missing one is created by it (a crash between the two appends).
  if (claim.state.status === 'Claimed') return claim.state.customerId;
  // Derived from the key AND the address (by its claim stream, a keyed hash: no id is a hash of
  // the address itself): two registrations under one key (anonymous clients share a scope) are two accounts.
  // A claim released by an erasure (the stream exists) adds its revision: the erased customer's id is never made again.
  const seed = claim.revision < 0 ? `${context.idempotencyKey}\n${stream}` : `${context.idempotencyKey}\n${stream}\n${claim.revision}`;
  const customerId = context.idempotencyKey ? derivedId(seed, 'customer') : uuidv4();
  // A new account: If-Match has nothing to match (412), refused before the first of its two writes; an address
  // taken answers 409 first (the customer exists: its decider refuses), as every command's own refusal comes first.
  refuseIfMatch(context, 'a new account');
  // Another registration of the address may claim it first: the decider refuses this one then (409).
  await deps.commands.handle(emailClaimDecider, stream, { type: 'ClaimEmail', email, customerId, now: context.now }, context);
  return customerId;
};

/**
 * The claim of an address: in its stream named by the email index, or, for an address
 * claimed in a log written before the index, in the stream named by the address itself.
 */
const claimOf = async (deps: AccountDeps, email: string) => {
  // A claim made under any spelling of the mailbox counts; a new one is made under its key.
  const fresh = await deps.emails.claimStreamOf(emailKey(email));
  let unclaimed: Awaited<ReturnType<typeof loadClaim>> | undefined;
  for (const stream of await claimStreamsOf(deps.emails, email)) {
    const claim = await loadClaim(deps, stream);
    if (claim.state.status === 'Claimed') return { stream, claim };
    if (stream === fresh) unclaimed = claim;
  }
  return { stream: fresh, claim: unclaimed ?? (await loadClaim(deps, fresh)) };
};

const loadClaim = (deps: AccountDeps, stream: string) => deps.commands.load(emailClaimDecider, stream);

/** The customer of a claim exists already: another registration of the address got there first. */
const taken = (error: unknown): never => {
  if (error instanceof ConflictError) throw new ConflictError('the email address is already registered');
  throw error;
};

/** The account behind an email, read from the write side so a fresh registration can log in at once. */
export const findAccount = async (deps: AccountDeps, rawEmail: string) => {
  const { claim } = await claimOf(deps, normalizeEmail(rawEmail));
  if (claim.state.status !== 'Claimed') return undefined;
  const customer = await deps.commands.load(customerDecider, customerStream(claim.state.customerId));
  return customer.state.status === 'Registered' ? customer.state : undefined;
};

/** Checks a password; an unknown account costs as much time as a wrong password. */
export const verifyCredentials = async (deps: AccountDeps, email: string, password: string) => verifyPassword(deps, await findAccount(deps, email), password);

/** Checks the password of an account found (findAccount); none found costs as much time as a wrong password. */
export const verifyPassword = async (deps: AccountDeps, account: Awaited<ReturnType<typeof findAccount>>, password: string) => {
  if (!account) return deps.passwords.verifyNothing(password);
  return (await deps.passwords.verify(password, account.passwordHash)) ? account : false;
};

export const addAddress = async (
  deps: AccountDeps,
  customerId: string,
  address: Omit<Address, 'addressId'>,
  context: CommandContext,
) => {
  const addressId = context.idempotencyKey ? derivedId(context.idempotencyKey, 'address') : uuidv4();
  const handled = await deps.commands.handle(
    customerDecider,
    customerStream(customerId),
    { type: 'AddCustomerAddress', address: { addressId, ...address }, now: context.now },
    context,
  );
  if (handled.state.status !== 'Registered') throw new Error('unreachable: the decider rejects unregistered customers');
  // The address saved: this one, or the one that is the same but for case and spaces (saved before).
  const same = handled.state.addresses.find((a) => sameAddress(a, address))!;
  // Created by this request, or by the first sending of it (a repeat under its Idempotency-Key); else saved already, by another.
  const created = handled.appended.length > 0 || (handled.replayed === true && same.addressId === addressId);
  return { address: same, created, revision: handled.revision, position: handled.position };
};

/** Signs the account out everywhere: every token issued to it until now is refused from its next request. */
export const signOutEverywhere = async (deps: AccountDeps, customerId: string, context: CommandContext) => {
  const handled = await deps.commands.handle(customerDecider, customerStream(customerId), { type: 'SignOutEverywhere', now: context.now }, context);
  const signOuts = handled.state.status === 'Registered' ? (handled.state.signOuts ?? 0) : 0;
  return { signedOutAt: context.now, signOuts, revision: handled.revision, position: handled.position };
};

/** Removes a saved address (404 for one the customer does not have); the orders that shipped to it keep their own copy. */
export const removeAddress = async (deps: AccountDeps, customerId: string, addressId: string, context: CommandContext) => {
  const handled = await deps.commands.handle(customerDecider, customerStream(customerId), { type: 'RemoveCustomerAddress', addressId, now: context.now }, context);
  return { revision: handled.revision, position: handled.position };
};

/**
 * Creates the configured admin account if absent; promotes it if it exists as a customer whose
 * password is ADMIN_PASSWORD (the operator's own account). A customer account of that address
 * with another password is anyone's who registered it first (the address guessed before the
 * operator set it): it is left as it is, not promoted (`refused`), and the start says so.
 */
export const ensureAdmin = async (deps: AccountDeps, email: string, password: string, context: CommandContext) => {
  const existing = await findAccount(deps, email);
  if (!existing) return registerCustomer(deps, { email, password, name: 'Administrator', role: 'admin' }, context);
  // The admin's own password changed since (through the API): the account keeps it, ADMIN_PASSWORD is not used (`stale`).
  if (existing.role === 'admin') {
    const stale = !(await deps.passwords.verify(password, existing.passwordHash));
    return { customerId: existing.customerId, position: undefined, ...(stale ? { stale: true as const } : {}) };
  }
  if (!(await deps.passwords.verify(password, existing.passwordHash))) return { customerId: existing.customerId, position: undefined, refused: true as const };
  await deps.commands.handle(
    customerDecider,
    customerStream(existing.customerId),
    { type: 'ChangeCustomerRole', role: 'admin', now: context.now },
    context,
  );
  return { customerId: existing.customerId, position: undefined };
};

/** An admin gives an account another role; an admin cannot change their own (no one locks themselves out). */
export const changeRole = async (deps: AccountDeps, customerId: string, role: CustomerRole, context: CommandContext & { by: string }) => {
  if (customerId === context.by) throw new UnprocessableError('an admin cannot change their own role');
  const { by: _by, ...commandContext } = context;
  const handled = await deps.commands.handle(customerDecider, customerStream(customerId), { type: 'ChangeCustomerRole', role, now: context.now }, commandContext);
  return { customerId, role, revision: handled.revision, position: handled.position };
};
