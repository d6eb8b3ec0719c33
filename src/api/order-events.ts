import type { RequestHandler } from 'express';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { NotFoundError, ValidationError } from '../domain/shared/errors.js';
import type { OrderView } from '../projections/orders/orders.js';
import type { TokenIssue } from './auth.js';
import { addressOf } from './client-address.js';
import type { LiveStreams } from './live-streams.js';

/**
 * GET /api/v1/orders/:id/events: an order's status changes as Server-Sent Events, as the
 * orders read model projects them (so on any process of the shop, whichever projects).
 *
 * - `event: status`, `id: n`: the order's n-th status (1 is Pending), `{orderId, index, status, at}`.
 *   A new stream first sends every status the order has had, then each new one once.
 * - `Last-Event-ID: n` (sent by EventSource when it reconnects) resumes after the n-th:
 *   nothing is lost or repeated across a dropped connection.
 * - `event: changed` (no id): something else of the order changed (payment refunded,
 *   shipment booked or dispatched, address amended): read the order again.
 * - A comment every 15 s keeps proxies from closing an idle stream.
 */

const POLL_MS = 150;
/** setTimeout's longest delay (about 24.8 days; TOKEN_TTL_SECONDS goes up to 30): a stream open that long ends then. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const HEARTBEAT_MS = 15_000;

type Watcher = (doc: OrderView) => void;

/**
 * One poll of the read model for every open stream of this process (one query per tick,
 * whatever the number of streams), only while there is a stream.
 */
export class OrderFeed {
  private readonly watchers = new Map<string, Set<Watcher>>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly readModels: ReadModelStore, private readonly intervalMs = POLL_MS) {}

  watch(orderId: string, watcher: Watcher): () => void {
    let set = this.watchers.get(orderId);
    if (!set) this.watchers.set(orderId, (set = new Set()));
    set.add(watcher);
    this.timer ??= setInterval(() => void this.poll(), this.intervalMs).unref();
    return () => {
      set.delete(watcher);
      if (set.size === 0) this.watchers.delete(orderId);
      if (this.watchers.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private async poll(): Promise<void> {
    if (this.polling || this.watchers.size === 0) return; // a slow read is not stacked on
    this.polling = true;
    try {
      // Looked up each time: a rebuild switches the logical name to a new collection.
      const docs = await this.readModels.collection<OrderView>('orders').find({ _id: { $in: [...this.watchers.keys()] } });
      for (const doc of docs) for (const watcher of this.watchers.get(doc._id) ?? []) watcher(doc);
    } catch {
      // The store did not answer this tick; the next one asks again.
    } finally {
      this.polling = false;
    }
  }
}

/** What, besides the status, makes a client read the order again. */
const detailsOf = (doc: OrderView): string =>
  JSON.stringify([doc.payment?.status, doc.shipment?.status, doc.shipment?.trackingNumber, doc.failureReason, doc.shippingAddress, doc.customerErased]);

const lastEventId = (header: string | undefined): number => {
  if (header === undefined || header === '') return 0;
  if (!/^\d{1,9}$/.test(header)) throw new ValidationError('invalid Last-Event-ID', [{ field: 'Last-Event-ID', message: 'must be the id of an event of this stream (a number)' }]);
  return Number(header);
};

/** `expiresAt`: when the token the stream was opened with expires; the stream ends then. `issued`: that token's issue (see Principal). */
type Viewer = { customerId: string; admin: boolean; expiresAt?: number; issued?: TokenIssue };

/**
 * Whether the viewer may still see what the stream would send now: its account still there, not
 * signed out everywhere since its token was issued and, watching another customer's order,
 * still an admin (AccountRoles: on the embedded log, the account's stream itself).
 */
export type StillAllowed = (viewer: Viewer, order: OrderView) => Promise<boolean>;

export const orderEventsHandler =
  (readModels: ReadModelStore, feed: OrderFeed, streams: LiveStreams, viewerOf: (req: Parameters<RequestHandler>[0]) => Viewer, orderIdOf: (req: Parameters<RequestHandler>[0]) => string, stillAllowed: StillAllowed): RequestHandler =>
  async (req, res) => {
    const orderId = orderIdOf(req);
    const after = lastEventId(req.get('last-event-id'));
    const viewer = viewerOf(req);
    const doc = await readModels.collection<OrderView>('orders').findOne({ _id: orderId });
    if (!doc || (!viewer.admin && doc.customerId !== viewer.customerId)) throw new NotFoundError('order not found');
    const release = streams.add(res, viewer.customerId, addressOf(req));

    // Cache-Control stays the gateway's (`private, no-store`: the caller is signed in), as the document says of every personal read.
    res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    res.write('retry: 2000\n\n');

    let sent = Math.min(after, doc.history.length);
    let details = detailsOf(doc);
    let unwatch = (): void => undefined;
    const stop = () => {
      unwatch();
      if (!res.writableEnded) res.end();
    };
    const send = (current: OrderView) => {
      // The customer's account was erased since the stream opened (in any process: the read
      // model says so): its token no longer names anyone, so its stream ends. An admin's goes on.
      if (!viewer.admin && current.customerErased) return stop();
      for (; sent < current.history.length; sent += 1) {
        const { status, at } = current.history[sent]!;
        res.write(`id: ${sent + 1}\nevent: status\ndata: ${JSON.stringify({ orderId, index: sent + 1, status, at })}\n\n`);
      }
      const now = detailsOf(current);
      if (now !== details) {
        details = now;
        res.write(`event: changed\ndata: ${JSON.stringify({ orderId })}\n\n`);
      }
    };
    send(doc);
    if (res.writableEnded) return release();

    // Nothing new is sent before the viewer is asked about again: a watcher erased or demoted
    // since the stream opened (in any process) is told nothing more, and its stream ends.
    let turn = Promise.resolve();
    const sendIfAllowed = (current: OrderView) => {
      if (sent >= current.history.length && detailsOf(current) === details && !(current.customerErased && !viewer.admin)) return;
      turn = turn
        .then(async () => {
          if (res.writableEnded) return;
          if (await stillAllowed(viewer, current)) send(current);
          else stop();
        })
        .catch(() => stop());
    };
    unwatch = feed.watch(orderId, sendIfAllowed);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS).unref();
    // The token it was opened with is no longer good: the stream ends, and the client's
    // reconnection with that token is refused (401), as any request of it is.
    const expiry = viewer.expiresAt === undefined ? undefined : setTimeout(stop, Math.min(Math.max(0, viewer.expiresAt - Date.now()), MAX_TIMER_MS)).unref();
    const end = () => {
      clearInterval(heartbeat);
      clearTimeout(expiry);
      unwatch();
      release();
    };
    res.on('close', end);
  };
