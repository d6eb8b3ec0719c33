import { derivedId } from '../domain/shared/ids.js';
import type { NotificationPayload } from '../processes/notifications.js';
import type { StockNotice } from '../processes/stock-notifications.js';
import type { CustomerProfile } from '../projections/customer-profiles/customer-profiles.js';
import type { ProductView } from '../projections/products/products.js';
import { deliverNotification, type NotificationDeps } from './notifications.js';

/**
 * Sends a stock alert's emails: one to every admin account (those the read models know when
 * the job runs), and for InventoryBackInStock one to each shopper it names. Each recipient's
 * email has its own id, derived from the alert and the recipient, and is delivered as any
 * notification (./notifications.ts: never twice), so a job run again after a crash or a
 * failure sends only the emails not sent yet. One recipient failing does not hold back the others;
 * the job fails afterwards, and is retried for that one.
 */
export const deliverStockNotice = async (deps: NotificationDeps, notice: StockNotice) => {
  const product = await deps.readModels.collection<ProductView>('products').findOne({ _id: notice.productId });
  const name = product?.name || notice.sku;
  const admins = await deps.readModels.collection<CustomerProfile>('customers').find({ role: 'admin' });
  const recipients = [
    ...admins.map((admin) => ({ customerId: admin._id, audience: 'admin' as const })),
    ...notice.customers.map((customerId) => ({ customerId, audience: 'shopper' as const })),
  ];
  const failures: unknown[] = [];
  for (const { customerId, audience } of recipients) {
    const payload: NotificationPayload = {
      notificationId: derivedId(`${notice.alertId}\n${audience}\n${customerId}`, 'stock-notification'),
      type: notice.type,
      customerId,
      orderId: null,
      productId: notice.productId,
      sku: notice.sku,
      ...(audience === 'admin' ? forAdmins(notice, name) : forShoppers(notice, name)),
    };
    await deliverNotification(deps, payload).catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) throw failures[0];
};

const forAdmins = (notice: StockNotice, name: string) => {
  const product = `${name} (${notice.sku})`;
  switch (notice.type) {
    case 'StockLevelLow':
      return { subject: `Low stock: ${product}`, text: `${product} is running low: ${notice.available} available, below its threshold of ${notice.threshold}. Time to reorder.` };
    case 'InventoryOutOfStock':
      return { subject: `Out of stock: ${product}`, text: `${product} is out of stock: nothing is available to order.` };
    case 'InventoryBackInStock': {
      const waiting = notice.customers.length;
      const told = waiting === 0 ? '' : ` ${waiting} shopper${waiting === 1 ? '' : 's'} waiting for it ${waiting === 1 ? 'is' : 'are'} told so.`;
      return { subject: `Back in stock: ${product}`, text: `${product} is back in stock: ${notice.available} available.${told}` };
    }
  }
};

const forShoppers = (notice: StockNotice, name: string) => ({
  subject: `${name} is back in stock`,
  text: `Good news: ${name} is back in stock, as you asked us to tell you. Order it at /products/${notice.productId} while it lasts.`,
});
