/** The shapes of the API's answers these pages read (GET /openapi.json has them all). */

import type { Address, OrderStatus, SavedAddress } from '../../shared/types.js';
export type { Address, Order, OrderLine, OrderStatus, Page, PaymentMethod, Product, SavedAddress } from '../../shared/types.js';






/** What a cancel or an address change answers. */
export type OrderSummary = { orderId: string; status: OrderStatus; shippingAddress: Address };

/** An order can be cancelled or its address changed until it ships. */
export const OPEN_STATUSES: readonly OrderStatus[] = ['Pending', 'Paid', 'Confirmed'];

export type Profile = {
  customerId: string;
  email: string;
  name: string;
  phone: string | null;
  addresses: SavedAddress[];
  registeredAt: string;
};

export type Notification = {
  type: string;
  orderId: string | null;
  subscriptionId?: string;
  productId?: string;
  sku?: string;
  subject: string;
  sentAt: string | null;
  status: 'sent' | 'uncertain';
};


export type SubscriptionStatus = 'Active' | 'Paused' | 'PastDue' | 'Cancelled';

export type Renewal = { renewal: number; attempt: number; orderId: string | null; at: string; failureReason: string | null; retryAt: string | null };

export type Subscription = {
  subscriptionId: string;
  status: SubscriptionStatus;
  items: Array<{ productId: string; quantity: number }>;
  intervalDays: number;
  shippingAddress: Address;
  paymentMethodId: string;
  nextRenewalAt: string | null;
  renewals?: Renewal[];
};

