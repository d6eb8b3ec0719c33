import { v4 as uuidv4 } from 'uuid';
import {
  customerDecider,
  customerStream,
  normalizeEmail,
  type Address,
  type CustomerRole,
} from '../domain/customer/customer.js';
import { emailClaimDecider, emailClaimStream } from '../domain/customer/email-claim.js';
import { UnprocessableError } from '../domain/shared/errors.js';
import type { PasswordHasher } from '../infrastructure/security/passwords.js';
import { derivedId, type CommandContext, type CommandHandler } from './command-handler.js';

/** Customer accounts: registration guards email uniqueness with a claim stream, then creates the customer. */

export type AccountDeps = { commands: CommandHandler; passwords: PasswordHasher };

export type Registration = { email: string; password: string; name: string; role?: CustomerRole };

export const registerCustomer = async (deps: AccountDeps, input: Registration, context: CommandContext) => {
  const email = normalizeEmail(input.email);
  const customerId = context.idempotencyKey ? derivedId(context.idempotencyKey, 'customer') : uuidv4();
  const passwordHash = await deps.passwords.hash(input.password);
  await claimEmail(deps, email, customerId, context);
  const handled = await deps.commands.handle(
    customerDecider,
    customerStream(customerId),
    { type: 'RegisterCustomer', customerId, email, name: input.name, passwordHash, role: input.role ?? 'customer', now: context.now },
    context,
  );
  return { customerId, position: handled.position };
};

const claimEmail = async (deps: AccountDeps, email: string, customerId: string, context: CommandContext) => {
  const stream = emailClaimStream(email);
  const claim = await deps.commands.load(emailClaimDecider, stream);
  const owner = claim.state.status === 'Claimed' ? claim.state.customerId : undefined;
  const ownerRegistered = owner !== undefined && owner !== customerId && (await isRegistered(deps, owner));
  // The claim carries no If-Match of the client: it is its own aggregate.
  const { ifMatch: _ignored, ...claimContext } = context;
  await deps.commands.handle(
    emailClaimDecider,
    stream,
    { type: 'ClaimEmail', email, customerId, now: context.now, ownerRegistered },
    claimContext,
  );
};

const isRegistered = async (deps: AccountDeps, customerId: string) =>
  (await deps.commands.load(customerDecider, customerStream(customerId))).state.status === 'Registered';

/** The account behind an email, read from the write side so a fresh registration can log in at once. */
export const findAccount = async (deps: AccountDeps, rawEmail: string) => {
  const claim = await deps.commands.load(emailClaimDecider, emailClaimStream(normalizeEmail(rawEmail)));
  if (claim.state.status !== 'Claimed') return undefined;
  const customer = await deps.commands.load(customerDecider, customerStream(claim.state.customerId));
  return customer.state.status === 'Registered' ? customer.state : undefined;
};

/** Checks a password; an unknown account costs as much time as a wrong password. */
export const verifyCredentials = async (deps: AccountDeps, email: string, password: string) => {
  const account = await findAccount(deps, email);
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
  const same = handled.state.addresses.find(
    (a) => a.line1 === address.line1 && a.city === address.city && a.postalCode === address.postalCode && a.country === address.country,
  )!;
  return { address: same, revision: handled.revision, position: handled.position };
};

/** Creates the configured admin account if absent; promotes it if it exists as a customer. */
export const ensureAdmin = async (deps: AccountDeps, email: string, password: string, context: CommandContext) => {
  const existing = await findAccount(deps, email);
  if (!existing) return registerCustomer(deps, { email, password, name: 'Administrator', role: 'admin' }, context);
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
