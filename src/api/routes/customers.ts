import type { RequestHandler } from 'express';
import { changeRole } from '../../commands/accounts.js';
import { principalOf } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { obj, oneOf, uuid } from '../../projections/json-schema.js';
import { defineRoutes } from '../openapi/route-table.js';
import { ChangeRoleBody } from '../dto/admin.js';
import { answerWrite, commandContext, uuidParam } from '../http.js';
import { parseDto } from '../validation.js';

/** Admins manage accounts: the role decides what a token may do from the next request on. */
const handlers = (deps: AppDeps) => {
  const accounts = { commands: deps.commands, passwords: deps.passwords, emails: deps.emails };

  // Give an account the customer or admin role (not one's own); 404 for an unknown account.
  const assignRole: RequestHandler = async (req, res) => {
    const customerId = uuidParam(req, 'id', 'customer');
    const { role } = await parseDto(ChangeRoleBody, req.body);
    const context = { ...commandContext(req, deps.clock()), by: principalOf(req).customerId };
    const result = await changeRole(accounts, customerId, role, context);
    deps.accounts.roleChanged(customerId, result.role, result.position);
    answerWrite(res, deps.sessions, 200, { customerId, role: result.role }, result);
  };

  return { assignRole };
};

export const customerAdminRoutes = defineRoutes({
  prefix: '/admin/customers',
  edge: 'api',
  tag: 'Back office',
  routes: {
    assignRole: {
      method: 'put', path: '/:id/role', role: 'admin', summary: "Give an account the customer or admin role (not one's own: 422)",
      description: 'Takes effect from the next request in this process (even while the read model lags), within 2 s in the others.',
      params: { id: uuid() }, body: ChangeRoleBody,
      success: { status: 200, description: 'The role now.', schema: obj({ customerId: uuid(), role: oneOf('customer', 'admin') }) },
      problems: [404, 409, 422], headers: ['If-Match', 'ETag'],
      example: { body: { role: 'admin' }, response: { customerId: '5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b', role: 'admin' } },
    },
  },
  handlers,
});
