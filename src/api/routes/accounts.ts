import type { RequestHandler } from 'express';
import { addAddress, findAccount, registerCustomer, removeAddress, signOutEverywhere, verifyPassword } from '../../commands/accounts.js';
import { listNotifications } from '../../commands/notifications.js';
import { notificationPageSchema } from '../../commands/notification-schemas.js';
import { normalizeEmail } from '../../domain/customer/customer.js';
import { emailKey } from '../../domain/customer/email-spellings.js';
import { NotFoundError, WrongPasswordError } from '../../domain/shared/errors.js';
import { readCustomerProfile, type CustomerProfile } from '../../projections/customer-profiles/customer-profiles.js';
import { customerProfileSchema, savedAddressSchema } from '../../projections/customer-profiles/schemas.js';
import { bool, obj, oneOf, str, uuid } from '../../projections/json-schema.js';
import { principalOf } from '../auth.js';
import { addressOf } from '../client-address.js';
import type { AppDeps } from '../deps.js';
import { AddressBody, LoginBody, RegisterBody } from '../dto/accounts.js';
import { ListPageQuery } from '../dto/paging.js';
import { answerWrite, commandContext, setEtag, uuidParam } from '../http.js';
import { defineRoutes } from '../openapi/route-table.js';
import { parseDto, parseQuery } from '../validation.js';

const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
const CUSTOMER_ID = '5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b';


const handlers = (deps: AppDeps) => {
  const accounts = { commands: deps.commands, passwords: deps.passwords, emails: deps.emails };
  const profiles = deps.readModels.collection<CustomerProfile>('customers');

  // Register a customer account.
  const register: RequestHandler = async (req, res) => {
    const body = await parseDto(RegisterBody, req.body);
    const address = addressOf(req);
    const { customerId, revision, position } = await deps.hashesInFlight.run(address, async () => {
      await deps.credentialLimit.attempt(address);
      return registerCustomer(accounts, body, commandContext(req, deps.clock()));
    });
    // The new account's revision: the ETag GET /account/me answers, for If-Match on the account's first write.
    answerWrite(res, deps.sessions, 201, { customerId }, { revision, position, location: '/api/v1/account/me' });
  };

  /** A sign-in's password check: counted per address before the hash, per account and address, and per account; a right one gives them back. */
  const checkSignIn = async (email: string, password: string, address: string) => {
    await deps.credentialLimit.attempt(address);
    const found = await findAccount(accounts, email);
    // Counted against the account (its id: an account registered after an erasure of the address starts afresh), or the address no account has.
    const account = found?.customerId ?? emailKey(email);
    await deps.loginThrottle.attempt(account, address);
    const customer = await verifyPassword(accounts, found, password).catch(async (error: unknown) => {
      await deps.loginThrottle.unchecked(account, address);
      throw error;
    });
    if (!customer) throw new WrongPasswordError('wrong email or password');
    await deps.loginThrottle.succeeded(account, address);
    await deps.credentialLimit.succeeded(address);
    return customer;
  };

  // Exchange credentials for a bearer token; an address has at most PASSWORD_HASHES_IN_FLIGHT of them checked at once, its others waiting their turn.
  const login: RequestHandler = async (req, res) => {
    const { email, password } = await parseDto(LoginBody, req.body);
    const address = addressOf(req);
    const customer = await deps.hashesInFlight.run(address, () => checkSignIn(normalizeEmail(email), password, address));
    // Under the count of sign-outs the password was checked on: a new password or a sign-out saved since kills it.
    const token = await deps.tokens.issue({ customerId: customer.customerId, role: customer.role }, customer.signOuts ?? 0);
    res.json({ token, customerId: customer.customerId, role: customer.role });
  };

  // The signed-in customer's profile; its ETag is the revision the account's writes take as If-Match.
  const me: RequestHandler = async (req, res) => {
    const found = await readCustomerProfile(profiles, principalOf(req).customerId);
    if (!found) throw new NotFoundError('customer not found');
    setEtag(res, found.revision);
    res.json(found.profile);
  };

  // Add a shipping address to the signed-in customer's profile.
  const addShippingAddress: RequestHandler = async (req, res) => {
    const body = await parseDto(AddressBody, req.body);
    const { customerId } = principalOf(req);
    const context = commandContext(req, deps.clock());
    const result = await addAddress(accounts, customerId, body, context);
    // 201 when saved, 200 when that address is saved already (as the wallet answers a card saved again).
    answerWrite(res, deps.sessions, result.created ? 201 : 200, result.address, result);
  };

  // Sign out everywhere: every token of the account issued until now is dead, this one too.
  const signOut: RequestHandler = async (req, res) => {
    const { customerId } = principalOf(req);
    const result = await signOutEverywhere(accounts, customerId, commandContext(req, deps.clock()));
    deps.accounts.signedOutEverywhere(customerId, result.signedOutAt, result.signOuts);
    answerWrite(res, deps.sessions, 200, { signedOutAt: result.signedOutAt }, result);
  };

  // Remove one of the signed-in customer's saved addresses.
  const removeShippingAddress: RequestHandler = async (req, res) => {
    const addressId = uuidParam(req, 'addressId', 'address');
    const result = await removeAddress(accounts, principalOf(req).customerId, addressId, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, { addressId, removed: true }, result);
  };

  // Emails sent to the signed-in customer, newest first (one per fact).
  const notifications: RequestHandler = async (req, res) => {
    const page = await parseQuery(ListPageQuery, req.query);
    res.json(await listNotifications(deps.readModels, principalOf(req).customerId, page));
  };

  return { register, login, me, signOut, addShippingAddress, removeShippingAddress, notifications };
};

export const accountRoutes = defineRoutes({
  prefix: '/account',
  edge: 'api',
  tag: 'Accounts',
  routes: {
    register: {
      method: 'post', path: '/register', role: 'anonymous', summary: 'Register a customer account',
      description: 'Counted with sign-ins per client address (CREDENTIAL_ATTEMPTS_PER_MINUTE, 30 by default): 429 with Retry-After past it. A client address has at most PASSWORD_HASHES_IN_FLIGHT (2 by default) requests hashing a password under way on the process, its others waiting their turn: 429 with Retry-After when 30 wait already.',
      body: RegisterBody,
      success: { status: 201, description: 'Registered; sign in with the same email and password.', schema: obj({ customerId: uuid() }) },
      problems: [409], headers: ['Location'],
      example: { body: { email: 'zoe@example.com', password: 'correct-horse', name: 'Zoe' }, response: { customerId: CUSTOMER_ID } },
    },
    login: {
      method: 'post', path: '/login', role: 'anonymous', command: false, summary: 'Exchange credentials for a bearer token',
      description: 'Failed attempts are counted per account and client address (LOGIN_MAX_FAILURES, 5 by default), and per account from every address (LOGIN_ACCOUNT_MAX_FAILURES, 100), within LOGIN_LOCKOUT_SECONDS: 429 with Retry-After past either; a success, or a password reset, gives them back. Sign-ins and registrations together are also counted per client address (CREDENTIAL_ATTEMPTS_PER_MINUTE, 30 by default: 429 with Retry-After past it); a right password gives its count back. Right or wrong, a client address has at most PASSWORD_HASHES_IN_FLIGHT (2 by default) requests hashing a password (sign-ins, registrations, password changes and resets, erasures) under way on a process, its others waiting their turn: 429 with Retry-After when 30 wait already, nothing counted. Never stored under an Idempotency-Key.',
      body: LoginBody,
      success: { status: 200, description: 'The bearer token for `Authorization: Bearer <token>`.', schema: obj({ token: str(), customerId: uuid(), role: oneOf('customer', 'admin') }) },
      problems: [],
      example: { body: { email: 'zoe@example.com', password: 'correct-horse' }, response: { token: 'eyJhbGciOiJIUzI1NiJ9...', customerId: CUSTOMER_ID, role: 'customer' } },
    },
    me: {
      method: 'get', path: '/me', role: 'customer', summary: "The signed-in customer's profile",
      description: "The ETag is the account's revision, for If-Match on its writes (addresses, erasure, an admin's role change).",
      success: { status: 200, description: 'The profile.', schema: customerProfileSchema },
      problems: [404], headers: ['ETag'],
      example: { response: { customerId: CUSTOMER_ID, email: 'zoe@example.com', name: 'Zoe', role: 'customer', addresses: [], registeredAt: '2025-01-01T10:00:00.000Z' } },
    },
    signOut: {
      method: 'post', path: '/me/sign-out', role: 'customer', summary: 'Sign out everywhere: every token of the account issued until now is refused (401) from now on',
      description: 'For a token that may be known to someone else (a lost device, a shared computer). This token is signed out too: sign in again for a new one. Tokens of the account issued after it work.',
      success: { status: 200, description: 'Signed out.', schema: obj({ signedOutAt: str() }) },
      problems: [404], headers: ['ETag'],
      example: { response: { signedOutAt: '2025-01-02T09:00:00.000Z' } },
    },
    addShippingAddress: {
      method: 'post', path: '/me/addresses', role: 'customer', summary: "Add a shipping address to the signed-in customer's profile",
      description: 'A customer keeps at most 20 addresses: the 21st is 422 (remove one first). The same address again (its lines compared trimmed and case-folded) answers the one saved already (200) and appends nothing.',
      body: AddressBody,
      success: { status: [201, 200], description: 'The address as saved.', schema: savedAddressSchema },
      problems: [404, 409, 412, 422], headers: ['If-Match', 'ETag'],
      example: { body: ADDRESS, response: { addressId: '9d1e2f3a-4b5c-4d6e-8f7a-0b1c2d3e4f5a', ...ADDRESS } },
    },
    removeShippingAddress: {
      method: 'delete', path: '/me/addresses/:addressId', role: 'customer', summary: "Remove one of the signed-in customer's saved addresses",
      description: 'Orders and subscriptions keep the address they were given. 404 for an address the customer does not have (removed already).',
      params: { addressId: uuid() },
      success: { status: 200, description: 'Removed.', schema: obj({ addressId: uuid(), removed: bool() }) },
      problems: [404, 412], headers: ['If-Match', 'ETag'],
      example: { response: { addressId: '9d1e2f3a-4b5c-4d6e-8f7a-0b1c2d3e4f5a', removed: true } },
    },
    notifications: {
      method: 'get', path: '/me/notifications', role: 'customer', summary: 'Emails sent to the signed-in customer, newest first',
      query: ListPageQuery,
      success: { status: 200, description: 'One page of notifications.', schema: notificationPageSchema },
      problems: [],
      example: {
        query: { page: '1', pageSize: '20' },
        response: { items: [{ type: 'OrderShipped', orderId: '0e6f3a8b-1c2d-4e5f-9a0b-7c8d9e0f1a2b', subject: 'Your order is on its way', sentAt: '2025-01-02T09:00:00.000Z', status: 'sent' }], total: 1, page: 1, pageSize: 20 },
      },
    },
  },
  handlers,
});
