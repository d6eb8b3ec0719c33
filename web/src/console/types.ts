import type { Money } from '../shared/api.js';

/** The shapes the console reads, as the API contract (GET /openapi.json) gives them. */

export type Paged<T> = { items: T[]; total: number; page: number; pageSize: number };

export type OrderLine = { productId: string; sku: string; name: string; quantity: number; unitPrice: Money };

export type Order = {
  orderId: string;
  customerId: string;
  status: string;
  lines: OrderLine[];
  total: Money;
  shippingAddress: { line1: string; city: string; postalCode: string; country: string };
  payment: { paymentId: string; status: string } | null;
  shipment: { shipmentId: string; status: string; trackingNumber: string | null } | null;
  failureReason?: string | null;
  history: Array<{ status: string; at: string }>;
  createdAt: string;
  updatedAt: string;
};

export type Shipment = {
  shipmentId: string;
  orderId: string;
  customerId: string;
  status: string;
  trackingNumber: string | null;
  lines: OrderLine[];
  shippingAddress: Order['shippingAddress'];
  carrier: { status: string | null; reference: string | null; reason: string | null; updatedAt: string | null } | null;
};

export type StockLevel = {
  sku: string;
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
  threshold: number;
  lowStock: boolean;
  outOfStock: boolean;
  waiting: number;
};

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
  rating: { average: number; count: number };
  createdAt: string;
  updatedAt: string;
};

export type Rebuild = {
  status: 'running' | 'done' | 'failed';
  startedAt: string;
  heartbeatAt: string;
  finishedAt?: string;
  position: number;
  head: number;
  events: number;
  error?: string;
};

export type Runner = {
  name: string;
  kind: 'projection' | 'process-manager';
  collection?: string;
  position: number;
  lag: number | null;
  lagExact: boolean;
  lagError?: string;
  status: string;
  owner: string | null;
  epoch: number | null;
  lastRebuild?: Rebuild;
};

export type Parked = { id: string; parkedAt?: string; error?: string; attempts?: number; [field: string]: unknown };

export type AuditedEvent = {
  eventId: string;
  streamName: string;
  revision: number;
  position: number;
  type: string;
  occurredAt: string;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
};

export type OrderAudit = { orderId: string; asOf: { time: string } | { revision: number } | null; state: { status?: string } & Record<string, unknown>; timeline: AuditedEvent[] };
