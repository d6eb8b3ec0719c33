import type { Logger } from 'pino';
import type { Mailer } from '../infrastructure/mail/mailer.js';
import type { ResetLinks } from '../infrastructure/security/reset-links.js';
import { DuplicateKeyError, type Document, type ReadModelCollection, type ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import type { NotificationPayload } from '../processes/notifications.js';
import { paged, type Page } from '../projections/paging.js';
import { isErasedProfile, type CustomerProfile } from '../projections/customer-profiles/customer-profiles.js';

/**
 * Delivers one notification, never two. Without SMTP the notifications collection is the
 * outbox: recording the message IS sending it, in one write. With SMTP, the message is
 * marked `sending` before it leaves and `sent` after; if the process dies in between, the
 * outcome is unknown and the message is marked `uncertain` rather than sent again. Marking
 * it `sending` is conditional on what was read, so of two runners of one delivery (one that
 * stalled past its job's claim) only one sends.
 */

export const NOTIFICATIONS = 'notifications';

export type NotificationStatus = 'pending' | 'sending' | 'sent' | 'uncertain';

export type StoredNotification = Document &
  Omit<NotificationPayload, 'notificationId'> & {
    to: string;
    transport: 'smtp' | 'outbox';
    status: NotificationStatus;
    sentAt?: string;
  };

export type NotificationDeps = {
  readModels: ReadModelStore;
  mailer: Mailer;
  clock: () => Date;
  logger: Logger;
  /** Makes a password reset's link as its mail is sent (absent: such a mail cannot be sent, and its job fails). */
  links?: ResetLinks;
};

export const deliverNotification = async (deps: NotificationDeps, payload: NotificationPayload) => {
  const notifications = deps.readModels.collection<StoredNotification>(NOTIFICATIONS);
  const existing = await notifications.findOne({ _id: payload.notificationId });
  if (existing?.status === 'sent' || existing?.status === 'uncertain') return;
  if (existing?.status === 'sending') {
    deps.logger.warn({ notificationId: payload.notificationId }, 'a send was interrupted: not sending again');
    await notifications.updateOne({ _id: payload.notificationId }, { $set: { status: 'uncertain' } });
    return;
  }
  const customer = await deps.readModels.collection<CustomerProfile>('customers').findOne({ _id: payload.customerId });
  if (!customer) throw new Error(`customer ${payload.customerId} is not in the read models yet`);
  // Erased: nobody to write to, and nothing of them is to be stored again.
  if (isErasedProfile(customer)) return;
  const { notificationId, resetRequestId, ...content } = payload;
  // A reset's link goes out in the mail and nowhere else: with SMTP the stored copy has the text without it.
  const text = resetRequestId === undefined ? payload.text : `${payload.text}\n\n${linkMaker(deps).linkOf({ customerId: payload.customerId, requestId: resetRequestId })}`;
  const base = { _id: notificationId, ...content, to: customer.email, transport: deps.mailer.transport };
  const now = () => deps.clock().toISOString();
  if (deps.mailer.transport === 'outbox') {
    // No fsync of its own (WriteOptions.durable): the job's deletion is written after it, so a
    // power cut that loses this record loses the deletion too, and the job records it again.
    // The outbox IS the mailbox: its record holds the mail as sent, a reset's link with it.
    await notifications.replaceOne({ _id: notificationId }, { ...base, text, status: 'sent', sentAt: now() }, { upsert: true, durable: false });
    return;
  }
  // Taken for sending by one conditional write: two runners of one job (one stalled past its claim) never both send.
  if (!(await markSending(notifications, { ...base, status: 'sending' }, existing))) return;
  try {
    await deps.mailer.send({ id: notificationId, to: customer.email, subject: payload.subject, text });
  } catch (error) {
    // Back to pending, to be tried again, unless another runner of the job (this one's claim ran
    // out meanwhile) found it `sending` and marked it `uncertain`: it then stays so, and shows.
    await notifications.updateOne({ _id: notificationId, status: 'sending' }, { $set: { status: 'pending' } });
    throw error;
  }
  await notifications.updateOne({ _id: notificationId }, { $set: { status: 'sent', sentAt: now() } });
};

const linkMaker = (deps: NotificationDeps): ResetLinks => {
  if (!deps.links) throw new Error('this process cannot make password reset links: no ResetLinks given to its notifications');
  return deps.links;
};

/** Marks the message `sending` only if it is still as this runner read it (absent, or `pending`); false when another got there first. */
const markSending = async (notifications: ReadModelCollection<StoredNotification>, sending: StoredNotification, existing: StoredNotification | null) => {
  if (!existing) {
    try {
      await notifications.insertOne(sending);
      return true;
    } catch (error) {
      if (error instanceof DuplicateKeyError) return false;
      throw error;
    }
  }
  const { _id, ...fields } = sending;
  const result = await notifications.updateOne({ _id, status: existing.status }, { $set: fields });
  return result.matchedCount === 1;
};

export const listNotifications = async (
  readModels: ReadModelStore,
  customerId: string,
  page: Page,
) => {
  const notifications = readModels.collection<StoredNotification>(NOTIFICATIONS);
  const filter = { customerId, status: { $in: ['sent', 'uncertain'] } };
  return paged(notifications, filter, { sentAt: -1 }, page, ({ type, orderId, productId, sku, subscriptionId, subject, sentAt, status }) => ({
    type,
    orderId: orderId ?? null,
    // A stock alert's (admins) or a back-in-stock email's (notify-me): about a product, not an order.
    ...(productId === undefined ? {} : { productId }),
    ...(sku === undefined ? {} : { sku }),
    ...(subscriptionId === undefined ? {} : { subscriptionId }),
    subject,
    sentAt: sentAt ?? null,
    status,
  }));
};
