import type { RequestHandler } from 'express';
import { eraseAccount, eraseOwnAccount, type Erasure, type ErasureRequestDeps } from '../../commands/erasure.js';
import { obj, time, uuid } from '../../projections/json-schema.js';
import { principalOf } from '../auth.js';
import { addressOf } from '../client-address.js';
import type { AppDeps } from '../deps.js';
import { EraseAccountBody } from '../dto/erasure.js';
import { answerWrite, commandContext, uuidParam } from '../http.js';
import { defineRoutes } from '../openapi/route-table.js';
import { parseDto } from '../validation.js';

/**
 * Erasure (GDPR art. 17): a customer closes their own account, or an admin erases one. Both
 * answer 202 as soon as `CustomerErased` is appended: from then on the account's tokens are
 * refused (401) and its email signs nobody in. The rest (the email released for a new
 * registration, every copy of the customer's data scrubbed, the profile key destroyed, the
 * invoices' expiry scheduled) is done by the erasure process in the background, durably.
 */
const handlers = (deps: AppDeps) => {
  const erasure: ErasureRequestDeps = { commands: deps.commands, passwords: deps.passwords, readModels: deps.readModels };

  const answer = (res: Parameters<RequestHandler>[1], result: Erasure) => {
    deps.accounts.erased(result.customerId);
    answerWrite(res, deps.sessions, 202, { customerId: result.customerId, erasedAt: result.erasedAt }, result);
  };

  // The signed-in customer erases their own account, with their password again.
  const eraseMe: RequestHandler = async (req, res) => {
    const { password } = await parseDto(EraseAccountBody, req.body);
    const address = addressOf(req);
    const guesses = { ...erasure, throttle: deps.loginThrottle.from(address) };
    const result = await deps.hashesInFlight.run(address, () =>
      eraseOwnAccount(guesses, principalOf(req).customerId, password, commandContext(req, deps.clock())),
    );
    answer(res, result);
  };

  // An admin erases an account; an erased one is answered as it was erased, appending nothing.
  const eraseCustomer: RequestHandler = async (req, res) => {
    const customerId = uuidParam(req, 'id', 'customer');
    answer(res, await eraseAccount(erasure, customerId, commandContext(req, deps.clock())));
  };

  return { eraseMe, eraseCustomer };
};

const CUSTOMER_ID = '5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b';
const ERASED = { customerId: CUSTOMER_ID, erasedAt: '2026-12-02T10:00:00.000Z' };
const erasedSchema = obj({ customerId: uuid(), erasedAt: time() });

const AFTER = 'What follows in the background, surviving restarts: the email is released (it can be registered again, as a new account), '
  + "the customer's data is scrubbed from every read model, snapshot, queued email and stored answer, the profile key is destroyed, "
  + 'and the invoices (name and address on orders) expire INVOICE_RETENTION_DAYS after the latest order. Orders stay, with their amounts, lines and statuses, as a former customer\'s. '
  + 'Every personal value whose key is gone reads as the placeholder "[erased]" (each text or number of it: an address keeps its fields), in every answer and in the audit.';

export const erasureRoutes = defineRoutes({
  prefix: '',
  edge: 'api',
  tag: 'Privacy',
  routes: {
    eraseMe: {
      method: 'delete', path: '/account/me', role: 'customer', summary: 'Erase the signed-in account (GDPR art. 17)',
      description: `The password again in the body (a wrong one: 401, nothing appended; 429 with Retry-After while the caller's address has PASSWORD_HASHES_IN_FLIGHT requests hashing a password under way on the process and 30 more waiting their turn). Refused (409) while an order of the account is between Pending and Shipped, or for the last admin account. The account's tokens are refused (401) from the next request on (within 2 s by the shop's other processes). ${AFTER}`,
      body: EraseAccountBody,
      success: { status: 202, description: 'Erased: the account is closed; the rest of the erasure runs in the background.', schema: erasedSchema },
      problems: [409, 412], headers: ['If-Match', 'ETag'],
      example: { body: { password: 'correct-horse' }, response: ERASED },
    },
    eraseCustomer: {
      method: 'post', path: '/admin/customers/:id/erase', role: 'admin', summary: 'Erase an account (GDPR art. 17)',
      description: `404 for an unknown account; an account erased already is answered as it was erased (same erasedAt), appending nothing. Refused (409) while an order of the account is between Pending and Shipped, or for the last admin account. ${AFTER}`,
      params: { id: uuid() },
      success: { status: 202, description: 'Erased: the account is closed; the rest of the erasure runs in the background.', schema: erasedSchema },
      problems: [404, 409, 412], headers: ['If-Match', 'ETag'],
      example: { response: ERASED },
    },
  },
  handlers,
});
