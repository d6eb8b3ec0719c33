import type { Logger } from 'pino';
import { customerDecider, customerStream, normalizeEmail, type CustomerRegistered } from '../domain/customer/customer.js';
import { emailClaimDecider } from '../domain/customer/email-claim.js';
import { emailSpellings } from '../domain/customer/email-spellings.js';
import { claimStreamsOf, type EmailIndex } from '../privacy/email-index.js';
import { isErased } from '../domain/shared/erased.js';
import { subscriptionDecider, subscriptionStream } from '../domain/subscriptions/subscription.js';
import type { EventStore } from '../infrastructure/event-store/event-store.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { keyIds, type KeyStore } from '../privacy/key-store.js';
import { invoiceExpiryJob, type ErasurePayload, type InvoiceExpiryPayload } from '../processes/erasure.js';
import type { Job } from '../processes/process-manager.js';
import type { CommandContext, CommandHandler } from './command-handler.js';
import { deleteAnswersAboutThem, deleteCopies, deleteSnapshots, streamsOf } from './erasure-copies.js';
import { scrubLateWrites } from './erasure-late-writes.js';
import { settleOrdersPlacedMeanwhile } from './erasure-orders.js';
import { withdrawBySku } from './inventory.js';

/**
 * The erasure job's steps (scheduled by src/processes/erasure.ts for each `CustomerErased`).
 * Each step is idempotent and the job is deleted only after the last, so a process killed
 * anywhere in it leaves the job to run again from the top, and what was done already is
 * found done:
 * 0. wait until the read models have folded the erasure (they scrub themselves on it), so
 *    that what is looked up in them below is complete, and the bytes they dropped are in
 *    the journal that step 3 empties;
 * 1. cancel the customer's subscriptions that are not cancelled (none renews for nobody),
 *    settle the orders placed in the moment of the erasure (see `settleOrdersPlacedMeanwhile`)
 *    and withdraw their notify-me requests (nobody waits for the email any more);
 * 2. release the email claim (the address can be registered again, as a new customer) and
 *    forget the failed sign-ins counted against the address. The email is read from the
 *    customer's registration, opened with the profile key: once that key is destroyed
 *    (step 3, a later run of the job) it reads as ERASED, and this step was done before;
 * 3. delete the copies outside the read models: snapshots of the customer's streams, stored
 *    notifications (the outbox), the emails still queued or parked for them, stored
 *    idempotent answers of their requests; then destroy the profile key, delete the
 *    snapshots once more (one may have been saved meanwhile), erase in the read models what
 *    they folded in clear of writes appended after the erasure (`scrubLateWrites`) and empty
 *    the stores' journals;
 * 4. schedule the invoices' expiry: INVOICE_RETENTION_DAYS after the customer's latest
 *    order (at once when that is past, or when there is no order), one job per customer.
 */

export type ErasureDeps = {
  commands: CommandHandler;
  eventStore: EventStore;
  /** The read models as queries see them (a projection's collection by its logical name). */
  readModels: ReadModelStore;
  keys: KeyStore;
  /** Names the email's claim stream (a keyed hash of the address). */
  emails: EmailIndex;
  clock: () => Date;
  logger: Logger;
  retentionDays: number;
  /** Resolves true once every read model has folded `position`, false after `timeoutMs`. */
  readModelsReached: (position: number, timeoutMs: number) => Promise<boolean>;
  /** Forgets the failed sign-ins counted against an account id or an email. */
  forgetSignIns: (account: string) => Promise<void>;
  /** Writes the embedded stores' journals (SQLite WAL) into their files and empties them: a no-op on servers. */
  truncateJournals: () => Promise<void>;
  /** Drops old versions of read models a rebuild retired and did not drop (src/operations/retired-collections.ts): they hold the customer as they stood. */
  dropRetiredReadModels: () => Promise<unknown>;
  /** Schedules a job durably, once per id, and tells the job runner. */
  schedule: (job: Job) => Promise<void>;
};

/** How long a run of the job waits for the read models before it fails (and is retried). */
const READ_MODELS_WAIT_MS = 30_000;

/** Orders whose saga may still record invoice data (an address, a carrier's reason). */
const UNFINISHED = ['Pending', 'Paid', 'Confirmed', 'Shipped'];

export const eraseCustomer = async (deps: ErasureDeps, payload: ErasurePayload): Promise<void> => {
  const { customerId } = payload;
  await readModelsFolded(deps, payload.position);
  const context = contextOf(deps, payload);
  await cancelSubscriptions(deps, customerId, context);
  // Every order appended before now folded: one placed just after the erasure is among them.
  await readModelsFolded(deps, await deps.eventStore.headPosition());
  await settleOrdersPlacedMeanwhile(deps, customerId, context);
  await withdrawNotices(deps, customerId, context);
  await releaseEmail(deps, customerId, context);
  await deleteCopies(deps.readModels, customerId);
  await deps.keys.destroy(keyIds.profile(customerId), context.now);
  await deleteSnapshots(deps.readModels, await streamsOf(deps.readModels, customerId, 'profile'));
  // Twice: a read model's own write racing the first look is found by the second.
  for (let look = 0; look < 2; look += 1) {
    await readModelsFolded(deps, await deps.eventStore.headPosition());
    await scrubLateWrites(deps.readModels, customerId);
  }
  await deps.dropRetiredReadModels();
  await deps.truncateJournals();
  deps.logger.info({ customerId }, 'customer erased: email released, copies deleted, profile key destroyed');
  await deps.schedule(invoiceExpiryJob(customerId, await invoicesExpireAt(deps, customerId, payload.erasedAt)));
};

/**
 * The invoices' retention ended: the invoice key is destroyed, the stored answers about the
 * customer's orders deleted (a request repeated since the erasure answered the address again),
 * then `CustomerInvoicesExpired` says so (the read models erase names and addresses on it). Put off by a day while an order
 * of the customer is not finished (with the carrier, say): what is still to be recorded of it
 * (a carrier's report) may hold invoice data, which needs the key (a short retention only).
 */
export const expireInvoices = async (deps: ErasureDeps, payload: InvoiceExpiryPayload): Promise<void> => {
  const { customerId } = payload;
  const now = deps.clock().toISOString();
  const unfinished = await deps.readModels.collection('orders').countDocuments({ customerId, status: { $in: UNFINISHED } });
  if (unfinished > 0) {
    const postponed = (payload.postponed ?? 0) + 1;
    deps.logger.info({ customerId, postponed }, "invoices' expiry put off a day: an order of the customer is not finished");
    return deps.schedule(invoiceExpiryJob(customerId, new Date(Date.parse(now) + 86_400_000).toISOString(), postponed));
  }
  await deps.keys.destroy(keyIds.invoice(customerId), now);
  await deleteSnapshots(deps.readModels, await streamsOf(deps.readModels, customerId, 'invoice'));
  // Answers stored since the erasure (an admin's repeated request about an order) quote what the key opened.
  const orderIds = (await deps.readModels.collection('orders').find({ customerId }, { projection: { _id: 1 } })).map((order) => order._id);
  await deleteAnswersAboutThem(deps.readModels, customerId, orderIds);
  const context: CommandContext = { correlationId: `expire-invoices:${customerId}`, causationId: `expire-invoices:${customerId}`, actor: 'system:erasure', now };
  const handled = await deps.commands.handle(customerDecider, customerStream(customerId), { type: 'ExpireCustomerInvoices', now }, context);
  await readModelsFolded(deps, handled.position ?? (await deps.eventStore.headPosition()));
  await deps.dropRetiredReadModels();
  await deps.truncateJournals();
};

const readModelsFolded = async (deps: ErasureDeps, position: number): Promise<void> => {
  if (!(await deps.readModelsReached(position, READ_MODELS_WAIT_MS))) {
    throw new Error(`the read models have not folded position ${position} yet: the erasure goes on when they have`);
  }
};

const contextOf = (deps: ErasureDeps, payload: ErasurePayload): CommandContext => ({
  correlationId: payload.correlationId,
  causationId: payload.eventId,
  actor: 'system:erasure',
  now: deps.clock().toISOString(),
});

const cancelSubscriptions = async (deps: ErasureDeps, customerId: string, context: CommandContext): Promise<void> => {
  const open = await deps.readModels.collection('subscriptions').find({ customerId, status: { $ne: 'Cancelled' } }, { projection: { _id: 1 } });
  for (const { _id } of open) {
    await deps.commands.handle(subscriptionDecider, subscriptionStream(_id), { type: 'CancelSubscription', by: 'system:erasure', now: context.now }, context);
  }
};

/** Their notify-me requests still waiting, each SKU's found in `stock_levels`: none counts as a shopper waiting any more. */
const withdrawNotices = async (deps: ErasureDeps, customerId: string, context: CommandContext): Promise<void> => {
  const levels = await deps.readModels.collection('stock_levels').find({ watchers: customerId }, { projection: { _id: 1 } });
  for (const { _id } of levels) await withdrawBySku(deps, _id, customerId, 'customer-erased', context);
};

const releaseEmail = async (deps: ErasureDeps, customerId: string, context: CommandContext): Promise<void> => {
  const [first] = await deps.eventStore.readStream(customerStream(customerId), { maxCount: 1 });
  if (first?.type !== 'CustomerRegistered') return;
  const { email } = first.data as CustomerRegistered['data'];
  if (isErased(email)) return; // the profile key is gone: released by the run that destroyed it
  const address = normalizeEmail(email);
  // The claim is in a stream the email index names, or, made by an older version, in one named by the address.
  for (const stream of await claimStreamsOf(deps.emails, address)) {
    await deps.commands.handle(emailClaimDecider, stream, { type: 'ReleaseEmail', customerId, now: context.now }, context);
  }
  for (const account of [customerId, ...emailSpellings(address)]) await deps.forgetSignIns(account);
};

/** INVOICE_RETENTION_DAYS after the latest order of the customer; the erasure's time when they never ordered (nothing to keep). */
const invoicesExpireAt = async (deps: ErasureDeps, customerId: string, erasedAt: string): Promise<string> => {
  const [latest] = await deps.readModels.collection('orders').find({ customerId }, { sort: { createdAt: -1 }, limit: 1, projection: { createdAt: 1 } });
  if (!latest) return erasedAt;
  return new Date(Date.parse(String(latest.createdAt)) + deps.retentionDays * 86_400_000).toISOString();
};
