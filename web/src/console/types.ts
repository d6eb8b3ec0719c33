/** The shapes the console reads, as the API contract (GET /openapi.json) gives them. */

import type { Order, OrderLine } from '../shared/types.js';

export type { Order, OrderLine, Product } from '../shared/types.js';
export type { Page as Paged } from '../shared/types.js';

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
