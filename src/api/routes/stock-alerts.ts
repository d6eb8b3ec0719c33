import type { RequestHandler } from 'express';
import { requestBackInStockNotice, withdrawBackInStockNotice } from '../../commands/inventory.js';
import { NotFoundError } from '../../domain/shared/errors.js';
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

  // Stop waiting: the request ends before its email (none waiting: 404, nothing appended).
  const withdrawNotifyMe: RequestHandler = async (req, res) => {
    const productId = uuidParam(req, 'id', 'product');
    const result = await withdrawBackInStockNotice(stock, productId, principalOf(req).customerId, commandContext(req, deps.clock()));
    if (!result.withdrawn) throw new NotFoundError('no notify-me request of yours is waiting for this product');
    answerWrite(res, deps.sessions, 200, { productId, sku: result.sku, status: 'Withdrawn' }, { position: result.position });
  };

  return { notifyMe, withdrawNotifyMe };
};

export const notifyMeSchema = obj({ productId: uuid(), sku: str(), status: oneOf('Waiting') });
export const notifyMeWithdrawnSchema = obj({ productId: uuid(), sku: str(), status: oneOf('Withdrawn') });

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
    withdrawNotifyMe: {
      method: 'delete', path: '/:id/notify-me', role: 'customer', summary: 'Stop waiting for the back-in-stock email of this product',
      description:
        'Ends the signed-in customer\'s notify-me request before its email; no email goes out for it. 404 when none of theirs is waiting ' +
        '(never asked, emailed already, or withdrawn already) or the product is unknown; nothing is appended then. If-Match is refused (400), as on the request.',
      params: { id: uuid() },
      success: { status: 200, description: 'Withdrawn: the request is over.', schema: notifyMeWithdrawnSchema },
      problems: [404], ifMatch: false,
      example: { response: { productId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', sku: 'MUG-1', status: 'Withdrawn' } },
    },
  },
  handlers,
});
