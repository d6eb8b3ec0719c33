import { randomUUID } from 'node:crypto';
import { customerDecider, customerStream, type Customer } from '../domain/customer/customer.js';
import { NotFoundError, UnauthorizedError, UnprocessableError, WrongPasswordError } from '../domain/shared/errors.js';
import type { PasswordGuesses } from '../infrastructure/security/password-guesses.js';
import type { ResetLinks } from '../infrastructure/security/reset-links.js';
import { findAccount, type AccountDeps } from './accounts.js';
import type { CommandContext, Handled } from './command-handler.js';

/**
 * A customer's password, after registration: changed by the customer (the current one given
 * again), or reset through a link emailed to the account's address. Either way every token of
 * the account issued before is refused from then on (`CustomerPasswordChanged` signs it out
 * everywhere); the customer is emailed that it was changed.
 */

/** `clock`: a new password is timed when it is saved, after its hashing. */
export type PasswordDeps = AccountDeps & { links: ResetLinks; clock: () => Date };

export type PasswordChange = { customerId: string; changedAt: string; signOuts: number; revision: number; position: number | undefined };

/**
 * Asks for a reset link for the account of `email`. An address no account has appends nothing and
 * is answered the same (whether an address has an account is not told here). A request less
 * than a minute after the last appends nothing either: one mail a minute at most, whoever asks.
 * Its route refuses If-Match: an anonymous caller has no revision of the account to match, and a 412 would say it exists.
 */
export const requestPasswordReset = async (deps: AccountDeps, email: string, context: CommandContext) => {
  const account = await findAccount(deps, email);
  if (!account) return { position: undefined };
  const handled = await deps.commands.handle(customerDecider, customerStream(account.customerId), { type: 'RequestPasswordReset', requestId: randomUUID(), now: context.now }, context);
  return { position: handled.position };
};

/**
 * Sets a new password through an emailed link's token: 422 for a token this shop did not make, or
 * one no longer good (used, replaced by a newer request, expired, its account erased). Checked
 * before the new password is hashed, and again by the decider as it appends.
 */
export const resetPassword = async (deps: PasswordDeps, token: string, password: string, context: CommandContext): Promise<PasswordChange> => {
  const request = deps.links.read(token);
  if (!request) throw new UnprocessableError('this is not a reset link of this shop: ask for another');
  const stream = customerStream(request.customerId);
  const { state } = await deps.commands.load(customerDecider, stream);
  const command = (passwordHash: string) => ({ type: 'ResetPassword' as const, requestId: request.requestId, passwordHash, now: context.now });
  try {
    customerDecider.decide(command(''), state);
    const passwordHash = await deps.passwords.hash(password);
    const now = deps.clock().toISOString();
    const handled = await deps.commands.handle(customerDecider, stream, { ...command(passwordHash), now }, { ...context, now });
    return changeOf(request.customerId, handled, now);
  } catch (error) {
    // An account erased (or never registered) has no password to set: the link is as dead as a used one.
    if (error instanceof NotFoundError) throw new UnprocessableError('this reset link is no longer good: ask for another');
    throw error;
  }
};

/**
 * The signed-in customer sets a new password, giving the current one (401 when wrong, counted
 * as a failed sign-in of the account from the caller's address); the same password again is 422.
 */
export const changePassword = async (
  deps: AccountDeps & { clock: () => Date },
  customerId: string,
  passwords: { current: string; next: string },
  context: CommandContext,
  throttle?: PasswordGuesses,
): Promise<PasswordChange> => {
  const stream = customerStream(customerId);
  const { state } = await deps.commands.load(customerDecider, stream);
  if (state.status !== 'Registered') throw new UnauthorizedError('this account no longer exists');
  await throttle?.attempt(customerId);
  if (!(await deps.passwords.verify(passwords.current, state.passwordHash))) throw new WrongPasswordError('wrong password');
  await throttle?.succeeded(customerId);
  if (passwords.next.normalize('NFKC') === passwords.current.normalize('NFKC')) throw new UnprocessableError('the new password is the current one');
  const passwordHash = await deps.passwords.hash(passwords.next);
  // Timed when it is saved (the hashes took their time): the sign-out it is comes after every check made before.
  const now = deps.clock().toISOString();
  const command = { type: 'ChangePassword' as const, passwordHash, checkedAgainst: state.passwordHash, now };
  const handled = await deps.commands.handle(customerDecider, stream, command, { ...context, now });
  return changeOf(customerId, handled, now);
};

/** What a change or a reset answers: its time, and the account's count of sign-outs (the caller's new token carries it). */
const changeOf = (customerId: string, handled: Handled<Customer>, changedAt: string): PasswordChange => {
  if (handled.state.status !== 'Registered') throw new Error('unreachable: a new password leaves the customer registered');
  return { customerId, changedAt, signOuts: handled.state.signOuts ?? 0, revision: handled.revision, position: handled.position };
};
