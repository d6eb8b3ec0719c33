import { Router } from 'express';
import { changeRole } from '../../commands/accounts.js';
import { principalOf, requireAdmin } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ChangeRoleBody } from '../dto/admin.js';
import { answerWrite, commandContext, uuidParam } from '../http.js';
import { parseDto } from '../validation.js';

/** Admins manage accounts: the role decides what a token may do from the next request on. */
export const customerAdminRoutes = (deps: AppDeps): Router => {
  const router = Router();
  const accounts = { commands: deps.commands, passwords: deps.passwords };
  router.use(requireAdmin);

  // Give an account the customer or admin role (not one's own); 404 for an unknown account.
  router.put('/:id/role', async (req, res) => {
    const customerId = uuidParam(req, 'id', 'customer');
    const { role } = await parseDto(ChangeRoleBody, req.body);
    const context = { ...commandContext(req, deps.clock()), by: principalOf(req).customerId };
    const result = await changeRole(accounts, customerId, role, context);
    deps.accounts.roleChanged(customerId, result.role, result.position);
    answerWrite(res, deps.sessions, 200, { customerId, role: result.role }, result);
  });

  return router;
};
