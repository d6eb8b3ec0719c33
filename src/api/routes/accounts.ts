import { Router } from 'express';
import { addAddress, registerCustomer, verifyCredentials } from '../../commands/accounts.js';
import { listNotifications } from '../../commands/notifications.js';
import { normalizeEmail } from '../../domain/customer/customer.js';
import { NotFoundError, UnauthorizedError } from '../../domain/shared/errors.js';
import { getCustomerProfile, type CustomerProfile } from '../../projections/customer-profiles/customer-profiles.js';
import { principalOf, requireCustomer } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { AddressBody, LoginBody, RegisterBody } from '../dto/accounts.js';
import { PageQuery } from '../dto/paging.js';
import { answerWrite, commandContext } from '../http.js';
import { parseDto, parseQuery } from '../validation.js';

export const accountRoutes = (deps: AppDeps): Router => {
  const router = Router();
  const accounts = { commands: deps.commands, passwords: deps.passwords };
  const profiles = deps.readModels.collection<CustomerProfile>('customers');

  // Register a customer account.
  router.post('/register', async (req, res) => {
    const body = await parseDto(RegisterBody, req.body);
    const { customerId, position } = await registerCustomer(accounts, body, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 201, { customerId }, { position, location: '/api/v1/account/me' });
  });

  // Exchange credentials for a bearer token; attempts are counted per account, a success gives them back.
  router.post('/login', async (req, res) => {
    const { email, password } = await parseDto(LoginBody, req.body);
    const account = normalizeEmail(email);
    await deps.loginThrottle.attempt(account);
    const customer = await verifyCredentials(accounts, account, password).catch(async (error: unknown) => {
      await deps.loginThrottle.unchecked(account);
      throw error;
    });
    if (!customer) throw new UnauthorizedError('wrong email or password');
    await deps.loginThrottle.succeeded(account);
    const token = await deps.tokens.issue({ customerId: customer.customerId, role: customer.role });
    res.json({ token, customerId: customer.customerId, role: customer.role });
  });

  // The signed-in customer's profile.
  router.get('/me', requireCustomer, async (req, res) => {
    const profile = await getCustomerProfile(profiles, principalOf(req).customerId);
    if (!profile) throw new NotFoundError('customer not found');
    res.json(profile);
  });

  // Add a shipping address to the signed-in customer's profile.
  router.post('/me/addresses', requireCustomer, async (req, res) => {
    const body = await parseDto(AddressBody, req.body);
    const { customerId } = principalOf(req);
    const context = commandContext(req, deps.clock());
    const result = await addAddress(accounts, customerId, { ...body, country: body.country.toUpperCase() }, context);
    answerWrite(res, deps.sessions, 201, result.address, result);
  });

  // Emails sent to the signed-in customer, newest first (one per fact).
  router.get('/me/notifications', requireCustomer, async (req, res) => {
    const page = await parseQuery(PageQuery, req.query);
    res.json(await listNotifications(deps.readModels, principalOf(req).customerId, page));
  });

  return router;
};
