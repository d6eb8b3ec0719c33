import type { RequestHandler } from 'express';
import { changePassword, requestPasswordReset, resetPassword, type PasswordChange } from '../../commands/passwords.js';
import { normalizeEmail } from '../../domain/customer/customer.js';
import { obj, str, time, uuid } from '../../projections/json-schema.js';
import { principalOf } from '../auth.js';
import { addressOf } from '../client-address.js';
import type { AppDeps } from '../deps.js';
import { ChangePasswordBody, PasswordResetBody, PasswordResetRequestBody } from '../dto/accounts.js';
import { answerWrite, commandContext } from '../http.js';
import { defineRoutes } from '../openapi/route-table.js';
import { parseDto } from '../validation.js';

const CUSTOMER_ID = '5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b';
const REQUESTED = 'If an account has this address, a link to reset its password was emailed to it; it works once, for an hour.';

/**
 * A customer's password after registration: changed when signed in (the current one again), or
 * reset through a link emailed to the account's address (src/commands/passwords.ts). Either
 * way every token of the account issued before is refused from then on, here at once and in
 * the shop's other processes from their next request (as a sign-out everywhere).
 */
const handlers = (deps: AppDeps) => {
  const accounts = { commands: deps.commands, passwords: deps.passwords, emails: deps.emails, clock: deps.clock };

  /** The account's earlier tokens are dead; a new one for the caller (a change: this device stays signed in). */
  const changed = async (change: PasswordChange, role: 'customer' | 'admin' | undefined) => {
    deps.accounts.signedOutEverywhere(change.customerId, change.changedAt, change.signOuts);
    return role === undefined ? undefined : deps.tokens.issue({ customerId: change.customerId, role }, change.signOuts);
  };

  const changeOwnPassword: RequestHandler = async (req, res) => {
    const { currentPassword, newPassword } = await parseDto(ChangePasswordBody, req.body);
    const principal = principalOf(req);
    const context = commandContext(req, deps.clock());
    const address = addressOf(req);
    const change = await deps.hashesInFlight.run(address, () =>
      changePassword(accounts, principal.customerId, { current: currentPassword, next: newPassword }, context, deps.loginThrottle.from(address)),
    );
    const token = await changed(change, principal.role);
    answerWrite(res, deps.sessions, 200, { token, changedAt: change.changedAt }, change);
  };

  // The same answer whether or not an account has the address (no ETag, no read-your-writes position: they would say so).
  const requestReset: RequestHandler = async (req, res) => {
    const { email } = await parseDto(PasswordResetRequestBody, req.body);
    await deps.credentialLimit.attempt(addressOf(req));
    await requestPasswordReset(accounts, normalizeEmail(email), commandContext(req, deps.clock()));
    res.status(202).json({ message: REQUESTED });
  };

  const reset: RequestHandler = async (req, res) => {
    const { token, newPassword } = await parseDto(PasswordResetBody, req.body);
    const address = addressOf(req);
    const change = await deps.hashesInFlight.run(address, async () => {
      await deps.credentialLimit.attempt(address);
      return resetPassword({ ...accounts, links: deps.resetLinks }, token, newPassword, commandContext(req, deps.clock()));
    });
    await changed(change, undefined);
    // The owner is back in: the failed sign-ins counted against the account (from anywhere) are given back.
    await deps.loginThrottle.succeeded(change.customerId, address);
    await deps.credentialLimit.succeeded(address);
    answerWrite(res, deps.sessions, 200, { customerId: change.customerId, changedAt: change.changedAt }, { position: change.position });
  };

  return { changeOwnPassword, requestReset, reset };
};

export const passwordRoutes = defineRoutes({
  prefix: '/account',
  edge: 'api',
  tag: 'Accounts',
  routes: {
    changeOwnPassword: {
      method: 'post', path: '/me/password', role: 'customer', summary: "Change the signed-in customer's password, giving the current one",
      description:
        'A wrong current password is 401 (nothing appended), counted as a failed sign-in of the account from the caller\'s address (429 with Retry-After past LOGIN_MAX_FAILURES). The same password again is 422. 429 with Retry-After while the caller\'s address has PASSWORD_HASHES_IN_FLIGHT requests hashing a password under way on the process and 30 more waiting their turn. Every token of the account issued before is refused (401) from then on, this one too: the answer carries a new one for this device. The customer is emailed that the password was changed.',
      body: ChangePasswordBody,
      success: { status: 200, description: 'Changed; `token` replaces the one this request was signed with.', schema: obj({ token: str(), changedAt: time() }) },
      problems: [404, 412, 422], headers: ['If-Match', 'ETag'],
      example: { body: { currentPassword: 'correct-horse', newPassword: 'battery-staple-9' }, response: { token: 'eyJhbGciOiJIUzI1NiJ9...', changedAt: '2025-01-02T09:00:00.000Z' } },
    },
    requestReset: {
      method: 'post', path: '/password-reset', role: 'anonymous', summary: 'Ask for a link to reset the password of the account of an email address',
      description:
        "Answered 202 whether or not an account has the address. If one has, a link to the storefront's reset page (PUBLIC_URL) is emailed to it: it works once, for an hour, and only the latest asked for works. A request within a minute of the last sends nothing more. Counted with sign-ins per client address (CREDENTIAL_ATTEMPTS_PER_MINUTE: 429 with Retry-After past it).",
      body: PasswordResetRequestBody,
      success: { status: 202, description: 'Asked; see the mailbox.', schema: obj({ message: str() }) },
      // The caller has no revision of an account to name (and a 412 would say that the account exists).
      problems: [], ifMatch: false,
      example: { body: { email: 'zoe@example.com' }, response: { message: REQUESTED } },
    },
    reset: {
      method: 'post', path: '/password-reset/confirm', role: 'anonymous', summary: 'Set a new password with the token of an emailed reset link',
      description:
        "The token is the link's `token` parameter. 422 for a token this shop did not make, or one no longer good: used, replaced by a newer request, older than an hour, or its account erased (ask for another link). Every token of the account issued before is refused (401) from then on; sign in with the new password. The failed sign-ins counted against the account are cleared. Counted with sign-ins per client address (CREDENTIAL_ATTEMPTS_PER_MINUTE), and one of the address's PASSWORD_HASHES_IN_FLIGHT, waited for (429 with Retry-After past the count, or when 30 of the address's requests wait already).",
      body: PasswordResetBody,
      success: { status: 200, description: 'The password is set; sign in with it.', schema: obj({ customerId: uuid(), changedAt: time() }) },
      problems: [422], ifMatch: false,
      example: {
        body: { token: `${CUSTOMER_ID}.0e6f3a8b-1c2d-4e5f-9a0b-7c8d9e0f1a2b.q3Jx...`, newPassword: 'battery-staple-9' },
        response: { customerId: CUSTOMER_ID, changedAt: '2025-01-02T09:00:00.000Z' },
      },
    },
  },
  handlers,
});
