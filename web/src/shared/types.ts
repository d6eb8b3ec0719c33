import type { Money } from './api.js';

/**
 * The API's answers that both apps read, as the contract gives them (GET /openapi.json:
 * the orders, products and accounts schemas). Each app adds the shapes only it reads.
 */

export type Page<T> = { items: T[]; total: number; page: number; pageSize: number };

export type Address = { line1: string; city: string; postalCode: string; country: string };
export type SavedAddress = Address & { addressId: string };

export type Rating = { average: number; count: number };

export type Product = {
  productId: string;
  sku: string;
  name: string;
  description: string;
  brand: string;
  category: string;
  price: Money;
  available: number;
  inStock: boolean;
  rating: Rating;
  createdAt: string;
  updatedAt: string;
};

export type OrderStatus = 'Pending' | 'Paid' | 'Confirmed' | 'Shipped' | 'Delivered' | 'Failed' | 'Cancelled';
export type OrderLine = { productId: string; sku: string; name: string; quantity: number; unitPrice: Money };

export type Order = {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  lines: OrderLine[];
  total: Money;
  shippingAddress: Address;
  payment: { paymentId: string; status: 'Pending' | 'Captured' | 'Failed' | 'Refunded' };
  shipment: { shipmentId: string; status: string; trackingNumber: string | null } | null;
  failureReason: string | null;
  history: Array<{ status: OrderStatus; at: string }>;
  createdAt: string;
  updatedAt: string;
  /** The customer was erased: the order stays, as a former customer's. */
  formerCustomer?: true;
};

export type PaymentMethod = { paymentMethodId: string; brand: string; last4: string; label: string | null; isDefault: boolean };
