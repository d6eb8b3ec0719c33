import { randomUUID } from 'node:crypto';
import { customerDecider, customerStream } from '../domain/customer/customer.js';
import { NotFoundError, UnauthorizedError, UnprocessableError, WrongPasswordError } from '../domain/shared/errors.js';
import type { PasswordGuesses } from '../infrastructure/security/password-guesses.js';
import type { ResetLinks } from '../infrastructure/security/reset-links.js';
import { findAccount, type AccountDeps } from './accounts.js';
import type { CommandContext } from './command-handler.js';

/**
 * A customer's password, after registration: changed by the customer (the current one given
 * again), or reset through a link emailed to the account's address. Either way every token of
 * the account issued before is refused from then on (`CustomerPasswordChanged` signs it out
 * everywhere); the customer is emailed that it was changed.
 */

export type PasswordDeps = AccountDeps & { links: ResetLinks };

export type PasswordChange = { customerId: string; changedAt: string; revision: number; position: number | undefined };

/**
 * Asks for a reset link for the account of `email`. An address no account has appends nothing and
 * is answered the same (whether an address has an account is not told here). A request less
 * than a minute after the last appends nothing either: one mail a minute at most, whoever asks.
 * No If-Match: an anonymous caller has no revision of the account to match, and a 412 would say it exists.
 */
export const requestPasswordReset = async (deps: AccountDeps, email: string, context: CommandContext) => {
  const account = await findAccount(deps, email);
  if (!account) return { position: undefined };
  const { ifMatch: _ignored, ...unconditional } = context;
  const handled = await deps.commands.handle(
    customerDecider,
    customerStream(account.customerId),
    { type: 'RequestPasswordReset', requestId: randomUUID(), now: context.now },
    unconditional,
  );
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
    const { ifMatch: _ignored, ...unconditional } = context;
    const handled = await deps.commands.handle(customerDecider, stream, command(await deps.passwords.hash(password)), unconditional);
    return { customerId: request.customerId, changedAt: context.now, revision: handled.revision, position: handled.position };
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
  deps: AccountDeps,
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
  const handled = await deps.commands.handle(customerDecider, stream, { type: 'ChangePassword', passwordHash: await deps.passwords.hash(passwords.next), now: context.now }, context);
  return { customerId, changedAt: context.now, revision: handled.revision, position: handled.position };
};
