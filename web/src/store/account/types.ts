import type { Money } from '../../shared/api.js';

/** The shapes of the API's answers these pages read (GET /openapi.json has them all). */

export type Address = { line1: string; city: string; postalCode: string; country: string };
export type SavedAddress = Address & { addressId: string };

export type Page<T> = { items: T[]; total: number; page: number; pageSize: number };

export type OrderStatus = 'Pending' | 'Paid' | 'Confirmed' | 'Shipped' | 'Delivered' | 'Failed' | 'Cancelled';

export type OrderLine = { productId: string; sku: string; name: string; quantity: number; unitPrice: Money };

export type Order = {
  orderId: string;
  status: OrderStatus;
  lines: OrderLine[];
  total: Money;
  shippingAddress: Address;
  failureReason?: string | null;
  history?: Array<{ status: OrderStatus; at: string }>;
  createdAt: string;
  updatedAt: string;
};

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

export type PaymentMethod = { paymentMethodId: string; brand: string; last4: string; label: string | null; isDefault: boolean };

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

export type Product = { productId: string; sku: string; name: string; price: Money; available: number };
