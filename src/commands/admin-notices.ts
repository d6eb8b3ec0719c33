import { derivedId } from '../domain/shared/ids.js';
import type { AdminNotice, NotificationPayload } from '../processes/notifications.js';
import type { CustomerProfile } from '../projections/customer-profiles/customer-profiles.js';
import { deliverNotification, type NotificationDeps } from './notifications.js';

/**
 * Sends one notice to every admin account (those the read models know when the job runs),
 * each under an id derived from the notice and the admin and delivered as any notification
 * (never twice): a job run again after a crash or a failure sends only what was not sent yet.
 * One admin failing does not hold back the others; the job fails afterwards and is retried.
 */
export const deliverAdminNotice = async (deps: NotificationDeps, notice: AdminNotice) => {
  const admins = await deps.readModels.collection<CustomerProfile>('customers').find({ role: 'admin' });
  const failures: unknown[] = [];
  for (const admin of admins) {
    const payload: NotificationPayload = {
      notificationId: derivedId(`${notice.noticeId}\nadmin\n${admin._id}`, 'admin-notice'),
      type: notice.type,
      customerId: admin._id,
      orderId: notice.orderId,
      subject: notice.subject,
      text: notice.text,
    };
    await deliverNotification(deps, payload).catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) throw failures[0];
};
