import { useState } from 'preact/hooks';
import { ApiError } from '../../shared/api.js';
import { dateTime } from '../../shared/format.js';
import { api } from '../session.js';
import { addressLine } from './AddressForm.js';
import type { Catalog } from './Subscriptions.js';
import type { Subscription, SubscriptionStatus } from './types.js';
import { ChangeCard, cardName } from './SubscriptionPayment.js';
import { ErrorAlert, StatusBadge, shortId, useAction } from './ui.js';

type Command = 'pause' | 'resume' | 'skip' | 'cancel';

/** Which commands a subscription in each status takes (the API answers 409 to the others). */
const LEGAL: Record<SubscriptionStatus, Command[]> = {
  Active: ['skip', 'pause', 'cancel'],
  Paused: ['resume', 'cancel'],
  PastDue: ['resume', 'cancel'],
  Cancelled: [],
};

const LABEL: Record<Command, string> = { pause: 'Pause', resume: 'Resume', skip: 'Skip next delivery', cancel: 'Cancel subscription' };
const DONE: Record<Command, string> = {
  pause: 'The subscription is paused: nothing is ordered until you resume it.',
  resume: 'The subscription is running again.',
  skip: 'The next delivery is skipped.',
  cancel: 'The subscription is cancelled: nothing more will be ordered.',
};

const every = (days: number) => (days === 1 ? 'Every day' : days % 7 === 0 ? `Every ${days === 7 ? 'week' : `${days / 7} weeks`}` : `Every ${days} days`);

type Props = { subscription: Subscription; catalog: Catalog | undefined; onChange: (subscription: Subscription, message: string) => void };

export const SubscriptionCard = ({ subscription, catalog, onChange }: Props) => {
  const [confirming, setConfirming] = useState(false);
  // The card chooser: to change the card, or to give one before resuming when it was removed.
  const [choosing, setChoosing] = useState<'change' | 'resume' | null>(null);
  const action = useAction();
  const { subscriptionId, status } = subscription;
  const nameOf = (productId: string) => catalog?.products.find((p) => p.productId === productId)?.name ?? `Product ${shortId(productId)}`;
  const method = catalog?.methods.find((m) => m.paymentMethodId === subscription.paymentMethodId);
  // Known only once the saved cards are read; resuming without a card would only fail its renewal again.
  const cardGone = catalog !== undefined && !method;
  const lastOrder = [...(subscription.renewals ?? [])].reverse().find((r) => r.orderId);
  const titleId = `sub-${subscriptionId}`;
  const send = (command: Command) =>
    command === 'resume' && cardGone ? setChoosing('resume') : action.run(async () => {
      setConfirming(false);
      onChange(await api.post<Subscription>(`/subscriptions/${subscriptionId}/${command}`), DONE[command]);
    });
  return (
    <article class="panel sub-card" aria-labelledby={titleId}>
      <header class="account-order-head">
        <h2 id={titleId}>{subscription.items.map((item) => `${nameOf(item.productId)} × ${item.quantity}`).join(', ')}</h2>
        <StatusBadge status={status} />
      </header>
      <dl class="account-facts">
        <div><dt>How often</dt><dd>{every(subscription.intervalDays)}</dd></div>
        <div>
          <dt>Next delivery</dt>
          <dd>{status === 'Cancelled' ? '—' : status === 'Paused' ? 'Paused' : subscription.nextRenewalAt ? <time dateTime={subscription.nextRenewalAt}>{dateTime(subscription.nextRenewalAt)}</time> : '—'}</dd>
        </div>
        <div><dt>Paid with</dt><dd>{method ? cardName(method) : 'A card no longer saved'}</dd></div>
        <div><dt>Ships to</dt><dd>{addressLine(subscription.shippingAddress)}</dd></div>
        {lastOrder?.orderId && <div><dt>Last order</dt><dd><a href={`/orders/${lastOrder.orderId}`}>Order {shortId(lastOrder.orderId)}</a></dd></div>}
      </dl>
      {status === 'PastDue' && <p class="alert error">The last renewal could not be paid. {cardGone ? 'Its card was removed: choose another card, then it resumes.' : 'Resume to try again now with your card, or change the card first.'}</p>}
      {LEGAL[status].length > 0 && (
        <div class="row">
          {LEGAL[status].filter((c) => c !== 'cancel').map((command) => (
            <button key={command} type="button" class="secondary" disabled={action.busy} onClick={() => send(command)}>{LABEL[command]}</button>
          ))}
          <button type="button" class="secondary" disabled={action.busy || !catalog} onClick={() => setChoosing('change')}>Change card</button>
          {!confirming ? (
            <button type="button" class="secondary danger-text" disabled={action.busy} onClick={() => setConfirming(true)}>{LABEL.cancel}</button>
          ) : (
            <span class="row" role="group" aria-label="Confirm cancellation">
              <span>Cancel for good?</span>
              <button type="button" class="danger" disabled={action.busy} onClick={() => send('cancel')}>Yes, cancel it</button>
              <button type="button" class="secondary" onClick={() => setConfirming(false)}>Keep it</button>
            </span>
          )}
        </div>
      )}
      {choosing && catalog && (
        <ChangeCard subscription={subscription} methods={catalog.methods} thenResume={choosing === 'resume'}
          onDone={(next, message) => { setChoosing(null); onChange(next, message); }} onClose={() => setChoosing(null)} />
      )}
      <ErrorAlert error={action.error} title={action.error instanceof ApiError && action.error.status === 409 ? 'Not possible now:' : undefined} />
    </article>
  );
};
