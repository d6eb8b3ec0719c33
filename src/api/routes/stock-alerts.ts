import type { RequestHandler } from 'express';
import { requestBackInStockNotice } from '../../commands/inventory.js';
import { obj, oneOf, str, uuid } from '../../projections/json-schema.js';
import { principalOf } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { answerWrite, commandContext, uuidParam } from '../http.js';
import { defineRoutes } from '../openapi/route-table.js';

const handlers = (deps: AppDeps) => {
  const stock = { commands: deps.commands, inventory: deps.inventory };

  // Notify-me on an out-of-stock product: one email when it is back (a new request after that one).
  const notifyMe: RequestHandler = async (req, res) => {
    const productId = uuidParam(req, 'id', 'product');
    const result = await requestBackInStockNotice(stock, productId, principalOf(req).customerId, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 202, { productId, sku: result.sku, status: 'Waiting' }, { position: result.position });
  };

  return { notifyMe };
};

export const notifyMeSchema = obj({ productId: uuid(), sku: str(), status: oneOf('Waiting') });

export const stockAlertRoutes = defineRoutes({
  prefix: '/products',
  edge: 'api',
  tag: 'Catalog',
  routes: {
    notifyMe: {
      method: 'post', path: '/:id/notify-me', role: 'customer', summary: 'Email me once when this out-of-stock product is back in stock',
      description:
        'One email per request, when the product is next back in stock; asking again before that changes nothing, and after it a new request is needed. ' +
        '409 while the product is in stock (it can be ordered now). If-Match is refused (400): the request changes no revision a client knows.',
      params: { id: uuid() },
      success: { status: 202, description: 'Waiting: the email goes out when the product is back in stock.', schema: notifyMeSchema },
      problems: [404, 409], ifMatch: false,
      example: { response: { productId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', sku: 'MUG-1', status: 'Waiting' } },
    },
  },
  handlers,
});
