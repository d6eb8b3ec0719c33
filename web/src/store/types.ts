import type { Money } from '../shared/api.js';

/** The shapes the storefront reads, as the OpenAPI document (GET /openapi.json) gives them. */

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

export type SearchResult = {
  items: Product[];
  total: number;
  page: number;
  pageSize: number;
  facets: { brand: Record<string, number>; category: Record<string, number> };
  ignoredWords?: string[];
};

export type Review = { reviewId: string; productId: string; authorName: string; rating: number; text: string; verifiedPurchase: boolean; createdAt: string };
export type Reviews = { items: Review[]; total: number; page: number; pageSize: number; average: number; count: number };
export type Recommendation = { productId: string; score: number; name: string; price: Money; rating: Rating };

export type CartLine = { productId: string; sku: string; name: string; quantity: number; unitPrice: Money };
export type Cart = { cartId: string; items: CartLine[]; total: Money };

export type Address = { line1: string; city: string; postalCode: string; country: string };
export type OrderStatus = 'Pending' | 'Paid' | 'Confirmed' | 'Shipped' | 'Delivered' | 'Failed' | 'Cancelled';
export type Order = {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  lines: CartLine[];
  total: Money;
  shippingAddress: Address;
  payment: { paymentId: string; status: 'Pending' | 'Captured' | 'Failed' | 'Refunded' };
  shipment: { shipmentId: string; status: string; trackingNumber: string | null } | null;
  failureReason: string | null;
  history: Array<{ status: OrderStatus; at: string }>;
  createdAt: string;
  updatedAt: string;
};
export type Payment = { paymentId: string; orderId: string; status: string; amount: Money; refunded: boolean; failureReason: string | null; refundReason: string | null };

export type Me = { customerId: string; email: string; name: string; phone: string | null; addresses: Array<Address & { addressId: string }> };
export type PaymentMethod = { paymentMethodId: string; brand: string; last4: string; label: string | null; isDefault: boolean };
