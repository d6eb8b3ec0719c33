import type { EventSchema } from '../domain/shared/event-schema.js';
import type { EventStore } from '../infrastructure/event-store/event-store.js';
import type { Document, ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { DISCARDED_JOBS, JOBS, type JobDocument } from '../processes/jobs.js';
import { DISCARDED_EVENTS, type ParkedEvent } from '../processes/parked-events.js';
import { ORDER_SAGA_EVENTS, orderSaga } from '../processes/order-saga.js';
import type { JobKind } from '../processes/process-manager.js';
import type { Projection } from '../projections/projection.js';
import { CHECKPOINTS, type Checkpoint } from '../projections/runner.js';
import { emptyFacts, foldFacts, readLog, type LogFacts, type PaymentFacts } from './invariants-log.js';
import { standing } from './standing.js';

/**
 * One consistent moment of the shop for the invariants: the log folded up to a position P,
 * and the read models as they were at P. Every read model has caught up with P (P is at most
 * where the lowest stands: see standing.ts), so a document last changed at or before P is
 * what it was at P; one changed since is left out (`later`). The server may go on writing
 * meanwhile.
 *
 * Invariants across aggregates hold once the order saga is done with an order. An order is
 * in flight, and left out of those, when the log holds events of it after P, or when a
 * payment job that can still move its payment is queued. P is also at most the order saga's
 * checkpoint, so the saga has reacted to everything up to P: its commands are in the log, its
 * jobs in the queue. Nothing of an in-flight order is reported: a busy shop raises no false alarm.
 */

export type SnapshotDeps = { eventStore: EventStore; store: ReadModelStore; schema: EventSchema; clock?: () => Date };

/** A read model's documents as they were at the snapshot's position. */
export class View<D extends Document = Document> {
  private readonly at = new Map<string, D>();
  private readonly changed = new Map<string, D>();

  constructor(docs: readonly D[], position: number) {
    for (const doc of docs) (Number(doc._position ?? 0) > position ? this.changed : this.at).set(doc._id, doc);
  }

  /** The document as it was at the snapshot (undefined: there was none, or see `later`). */
  get(id: string): D | undefined {
    return this.at.get(id);
  }

  /** Changed since the snapshot: not comparable with it. */
  later(id: string): boolean {
    return this.changed.has(id);
  }

  docs(): IterableIterator<D> {
    return this.at.values();
  }

  /** The documents changed since the snapshot, as they are now. */
  laterDocs(): IterableIterator<D> {
    return this.changed.values();
  }
}

export type Snapshot = {
  position: number;
  log: LogFacts;
  /** Orders whose saga still has work to do. */
  inFlight: ReadonlySet<string>;
  /**
   * Orders whose payment waits on a job an operator discarded (`parked discard --jobs`, with
   * a reason: a refund made by hand, say), or one of whose order-saga events an operator
   * discarded (`parked discard <id>`: the saga never reacts to it): nothing in the shop will
   * move them again, by the operator's decision. Left out of the rules about outcomes, as those
   * in flight are, and named.
   */
  handedOver: ReadonlyMap<string, HandedOver>;
  /** SKUs (`sku:<sku>`) and products (`product:<id>`) the log changes after the snapshot's position. */
  changedAfter: ReadonlySet<string>;
  /** When the snapshot was taken (ms since the epoch). */
  now: number;
  /** By projection name. */
  views: ReadonlyMap<string, View>;
};

/**
 * What an operator discarded for an order: a payment job (`kind` the job's kind, `job` its id) or
 * an event of the order saga (`kind` `order-saga event <type>`, `job` the parked event's id).
 */
export type HandedOver = { orderId: string; job: string; kind: string; reason: string; discardedBy: string; discardedAt: string };

export const viewOf = <D extends Document>(snapshot: Snapshot, projection: string): View<D> => {
  const view = snapshot.views.get(projection);
  if (!view) throw new Error(`the snapshot has no ${projection} read model`);
  return view as unknown as View<D>;
};

const SAGA_NAME = orderSaga(0).name;
const SAGA_CHECKPOINT = `process:${SAGA_NAME}`;
const SAGA_EVENTS = new Set<string>(ORDER_SAGA_EVENTS);
const PAYMENT_JOBS: JobKind[] = ['charge-payment', 'expire-payment', 'reconcile-payment', 'refund-payment'];

export const takeSnapshot = async (deps: SnapshotDeps, projections: readonly Projection[]): Promise<Snapshot> => {
  // Order matters: checkpoints, then jobs, then the head (see the header).
  const checkpoints = await deps.store.collection<Checkpoint>(CHECKPOINTS).find({ _id: { $in: [...projections.map((p) => p.name), SAGA_CHECKPOINT] } });
  const checkpointOf = (id: string) => checkpoints.find((c) => c._id === id);
  const jobs = await deps.store.collection<JobDocument>(JOBS).find({ kind: { $in: PAYMENT_JOBS } });
  const discarded = await deps.store.collection<DiscardedJob>(DISCARDED_JOBS).find({ kind: { $in: PAYMENT_JOBS } });
  const discardedEvents = await deps.store.collection<Discarded<ParkedEvent>>(DISCARDED_EVENTS).find({ processManager: SAGA_NAME });
  const head = await deps.eventStore.headPosition();
  const stands = await standing(deps, projections, new Map(checkpoints.map((c) => [c._id, c.position])), head);
  const caughtUp = Math.min(...projections.map((p) => stands.get(p.name)!));
  const position = await sagaBound(deps, checkpointOf(SAGA_CHECKPOINT)?.position ?? 0, caughtUp);
  const { log, touched, changedAfter } = await readFacts(deps, position, head);
  const views = new Map<string, View>();
  for (const projection of projections) {
    const docs = await deps.store.collection(checkpointOf(projection.name)?.collection ?? projection.collection).find({});
    views.set(projection.name, new View(docs, position));
  }
  const now = (deps.clock ?? (() => new Date()))().getTime();
  return { position, log, inFlight: inFlight(log, touched, jobs), handedOver: handedOver(log, discarded, discardedEvents), changedAfter, now, views };
};

/** The log folded up to `position`, and what it changes after, up to `head`. */
const readFacts = async (deps: SnapshotDeps, position: number, head: number) => {
  const log = emptyFacts();
  const touched = new Set<string>(); // orders
  const changedAfter = new Set<string>();
  for await (const event of readLog(deps.eventStore, deps.schema, 0, head)) {
    if (event.position <= position) {
      foldFacts(log, event);
      continue;
    }
    const { orderId, sku, productId } = event.data;
    if (orderId !== undefined) touched.add(String(orderId));
    if (sku !== undefined) changedAfter.add(`sku:${String(sku)}`);
    if (productId !== undefined) changedAfter.add(`product:${String(productId)}`);
  }
  return { log, touched, changedAfter };
};

/**
 * The saga writes its checkpoint only when a batch concerns it (or now and then): on a quiet
 * shop it stands before the last events, that it has nothing to do with. Up to the first
 * event of its own after its checkpoint, it has reacted to everything.
 */
const sagaBound = async (deps: SnapshotDeps, saga: number, caughtUp: number): Promise<number> => {
  if (saga >= caughtUp) return caughtUp;
  let reacted = saga;
  for await (const event of readLog(deps.eventStore, deps.schema, saga, caughtUp)) {
    if (SAGA_EVENTS.has(event.type)) return reacted;
    reacted = event.position;
  }
  return caughtUp;
};

/** Which queued payment jobs can still move a payment in each state (see commands/payments.ts). */
const canMove = (kind: string, payment: PaymentFacts['state']): boolean => {
  switch (payment.status) {
    case 'Pending':
      return kind === 'charge-payment' || kind === 'expire-payment';
    case 'RefundPending':
      return kind === 'refund-payment';
    case 'Failed': // a capture the provider made after all may still be found, and refunded
      return !payment.providerReference && (kind === 'charge-payment' || kind === 'reconcile-payment');
    default:
      return false;
  }
};

const inFlight = (log: LogFacts, touched: Set<string>, jobs: readonly JobDocument[]): Set<string> => {
  const orders = new Set(touched);
  for (const job of jobs) {
    const payment = log.payments.get(String(job.payload.paymentId));
    if (payment && payment.state.status !== 'None' && canMove(job.kind, payment.state)) orders.add(payment.state.orderId);
  }
  return orders;
};

type Discarded<D> = D & { discardReason?: unknown; discardedBy?: unknown; discardedAt?: unknown };
type DiscardedJob = Discarded<JobDocument>;

const byWhom = (d: Discarded<Document>) => ({ reason: String(d.discardReason ?? ''), discardedBy: String(d.discardedBy ?? ''), discardedAt: String(d.discardedAt ?? '') });

/**
 * The orders whose payment only a discarded job could still move (see `canMove`), and those an
 * event of whose saga was discarded (the saga's id is the order's): the saga never reacted to
 * it, so the order may stay where it stood, by the operator's decision (orders of the log only).
 */
const handedOver = (log: LogFacts, discarded: readonly DiscardedJob[], events: readonly Discarded<ParkedEvent>[]): Map<string, HandedOver> => {
  const orders = new Map<string, HandedOver>();
  for (const event of events) {
    const orderId = String(event.sagaId);
    if (!log.orders.has(orderId)) continue;
    orders.set(orderId, { orderId, job: event._id, kind: `${SAGA_NAME} event ${String(event.eventType)}`, ...byWhom(event) });
  }
  for (const job of discarded) {
    const payment = log.payments.get(String(job.payload.paymentId));
    if (!payment || payment.state.status === 'None' || !canMove(job.kind, payment.state)) continue;
    const { orderId } = payment.state;
    orders.set(orderId, { orderId, job: job._id, kind: job.kind, ...byWhom(job) });
  }
  return orders;
};

// ------------------------------------------------------------------ invariants

/** An invariant that does not hold: for one order, SKU, product... (`id`), and how. */
export type Violation = { invariant: string; id: string; detail: string };

/** The violations of one invariant, made one at a time. */
export const violation = (invariant: string) => (id: string, detail: string): Violation => ({ invariant, id, detail });

/** Why something could not be checked, as a violation's detail says it. */
export const notCheckable = (error: unknown): string => `could not be checked: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;

/**
 * One document's (one order's, SKU's...) part of an invariant: a document too damaged for the
 * rule to read (an order whose lines are no list) is that document's violation, saying why, and
 * the rule goes on to the others. Without it one malformed order stopped a rule for every order.
 */
export const eachOne = (out: Violation[], found: (id: string, detail: string) => Violation, id: unknown, check: () => void): void => {
  try {
    check();
  } catch (error) {
    out.push(found(typeof id === 'string' && id !== '' ? id : '-', notCheckable(error)));
  }
};

export type Invariant = {
  name: string;
  /** What must always hold, in one sentence: the operator's documentation. */
  rule: string;
  /** The read models (projection names) it reads: it runs when all of them are verified. */
  reads: readonly string[];
  check: (snapshot: Snapshot) => Violation[];
};

/** JSON with sorted keys: equal values compare equal, however their keys were written. */
export const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`;
};

export const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** A value as a violation's detail shows it. */
export const shown = (value: unknown): string => (typeof value === 'string' ? value : canonical(value));
