import type { RequestHandler } from 'express';
import { chooseDefaultPaymentMethod, removePaymentMethod, savePaymentMethod } from '../../commands/payment-methods.js';
import { arr, obj, uuid } from '../../projections/json-schema.js';
import { readPaymentMethods, type PaymentMethodsView } from '../../projections/payment-methods/payment-methods.js';
import { paymentMethodListSchema, paymentMethodSchema } from '../../projections/payment-methods/schemas.js';
import { principalOf } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { SavePaymentMethodBody } from '../dto/payment-methods.js';
import { answerWrite, commandContext, setEtag, uuidParam } from '../http.js';
import { defineRoutes } from '../openapi/route-table.js';
import { parseDto } from '../validation.js';

/** The signed-in customer's saved payment methods (provider tokens, shown as brand and last four digits). */
const handlers = (deps: AppDeps) => {
  const wallets = deps.readModels.collection<PaymentMethodsView>('payment_methods');
  const walletDeps = { commands: deps.commands, provider: deps.provider };

  // Save a provider token: 201 when saved, 200 when that token is saved already.
  const savePaymentMethodRoute: RequestHandler = async (req, res) => {
    const body = await parseDto(SavePaymentMethodBody, req.body);
    const result = await savePaymentMethod(walletDeps, principalOf(req).customerId, body, commandContext(req, deps.clock()));
    const location = `/api/v1/account/me/payment-methods/${result.method.paymentMethodId}`;
    answerWrite(res, deps.sessions, result.created ? 201 : 200, result.method, { ...result, location });
  };

  // The signed-in customer's saved methods, oldest first; the ETag is the revision their writes take as If-Match.
  const listPaymentMethodsRoute: RequestHandler = async (req, res) => {
    const { list, revision } = await readPaymentMethods(wallets, principalOf(req).customerId);
    setEtag(res, revision);
    res.json(list);
  };

  // Remove one (the oldest left becomes the default if it was the default); answers the methods left.
  const removePaymentMethodRoute: RequestHandler = async (req, res) => {
    const paymentMethodId = uuidParam(req, 'id', 'payment method');
    const result = await removePaymentMethod(deps.commands, principalOf(req).customerId, paymentMethodId, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, { items: result.items }, result);
  };

  // Make one the default.
  const choosePaymentMethodDefault: RequestHandler = async (req, res) => {
    const paymentMethodId = uuidParam(req, 'id', 'payment method');
    const result = await chooseDefaultPaymentMethod(deps.commands, principalOf(req).customerId, paymentMethodId, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, result.method, result);
  };

  return { savePaymentMethod: savePaymentMethodRoute, listPaymentMethods: listPaymentMethodsRoute, removePaymentMethod: removePaymentMethodRoute, choosePaymentMethodDefault };
};

const METHOD_ID = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
const METHOD = { paymentMethodId: METHOD_ID, brand: 'visa', last4: '4242', label: 'Work card', isDefault: true };
const id = { id: uuid() };

export const paymentMethodRoutes = defineRoutes({
  prefix: '/account/me/payment-methods',
  edge: 'api',
  tag: 'Accounts',
  routes: {
    savePaymentMethod: {
      method: 'post', path: '/', role: 'customer', summary: 'Save a payment provider token as a payment method (the first one saved is the default)',
      description: 'The provider describes the token (brand, last four digits); a token it refuses is 422, a provider that does not answer 503. A card number is refused (400) and never echoed. At most 20 methods (422). The same token saved again answers the method saved already (200) and appends nothing.',
      body: SavePaymentMethodBody,
      success: { status: [201, 200], description: 'The method: never its token.', schema: paymentMethodSchema },
      problems: [409, 412, 422], headers: ['Location', 'If-Match', 'ETag'],
      example: { body: { token: 'tok_visa', label: 'Work card' }, response: METHOD },
    },
    listPaymentMethods: {
      method: 'get', path: '/', role: 'customer', summary: "The signed-in customer's saved payment methods, oldest first",
      description: 'The ETag is the revision of the saved methods, for If-Match on their writes (none before the first save).',
      success: { status: 200, description: 'The methods (brand, last four digits, label, which is the default).', schema: paymentMethodListSchema },
      problems: [], headers: ['ETag'], etag: 'once-written',
      example: { response: { items: [METHOD] } },
    },
    removePaymentMethod: {
      method: 'delete', path: '/:id', role: 'customer', summary: 'Remove a saved payment method (not yours, or removed already: 404)',
      description: 'Removing the default makes the oldest method left the default. Checkouts can no longer pay with it (422).',
      params: id,
      success: { status: 200, description: 'The methods left.', schema: obj({ items: arr(paymentMethodSchema) }) },
      problems: [404, 409, 412], headers: ['If-Match', 'ETag'],
      example: { response: { items: [] } },
    },
    choosePaymentMethodDefault: {
      method: 'post', path: '/:id/default', role: 'customer', summary: 'Make a saved payment method the default',
      params: id,
      success: { status: 200, description: 'The method, now the default.', schema: paymentMethodSchema },
      problems: [404, 409, 412], headers: ['If-Match', 'ETag'],
      example: { response: METHOD },
    },
  },
  handlers,
});
