import { buildDocument } from '../openapi/document.js';
import { contractRoutes, docsRoutes } from '../openapi/docs.js';
import type { RouteGroup } from '../openapi/route-table.js';
import { accountRoutes } from './accounts.js';
import { adminRoutes } from './admin.js';
import { cartRoutes } from './cart.js';
import { carrierRoutes } from './carrier.js';
import { catalogRoutes } from './catalog.js';
import { customerAdminRoutes } from './customers.js';
import { dataExportRoutes } from './data-export.js';
import { erasureRoutes } from './erasure.js';
import { recommendationRoutes, reviewRoutes, searchRoutes } from './discovery.js';
import { inventoryRoutes } from './inventory.js';
import { operationsRoutes } from './operations.js';
import { checkoutRoutes, orderRoutes, paymentRoutes } from './orders.js';
import { passwordRoutes } from './passwords.js';
import { paymentMethodRoutes } from './payment-methods.js';
import { shipmentRoutes } from './shipments.js';
import { stockAlertRoutes } from './stock-alerts.js';
import { subscriptionRoutes } from './subscriptions.js';

/** The contract's version: its major is the /api/v1 of the paths. */
export const API_VERSION = '1.0.0';

/** Every route of the app, in the order express matches them (/admin/customers before /admin). */
export const ROUTE_TABLE: readonly RouteGroup[] = [
  operationsRoutes,
  contractRoutes((options) => buildDocument(ROUTE_TABLE, API_VERSION, options)),
  docsRoutes,
  accountRoutes,
  passwordRoutes,
  // Early in the document: the fuzzer (test/fuzz) erases with it before other operations could ship the orders that keep its world's accounts from erasure.
  erasureRoutes,
  paymentMethodRoutes,
  dataExportRoutes,
  catalogRoutes,
  stockAlertRoutes,
  searchRoutes,
  reviewRoutes,
  recommendationRoutes,
  inventoryRoutes,
  cartRoutes,
  checkoutRoutes,
  orderRoutes,
  paymentRoutes,
  subscriptionRoutes,
  shipmentRoutes,
  carrierRoutes,
  customerAdminRoutes,
  adminRoutes,
];
