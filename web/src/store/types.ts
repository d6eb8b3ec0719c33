import type { Money } from '../shared/api.js';

/** The shapes the storefront reads, as the OpenAPI document (GET /openapi.json) gives them. */

import type { Address, Product, Rating } from '../shared/types.js';
export type { Address, Order, OrderStatus, PaymentMethod, Product, Rating } from '../shared/types.js';

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

export type Payment = { paymentId: string; orderId: string; status: string; amount: Money; refunded: boolean; failureReason: string | null; refundReason: string | null };

export type Me = { customerId: string; email: string; name: string; phone: string | null; addresses: Array<Address & { addressId: string }> };
