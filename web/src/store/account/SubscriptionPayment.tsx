import { useState } from 'preact/hooks';
import { api } from '../session.js';
import type { PaymentMethod, Subscription } from './types.js';
import { ErrorAlert, brandName, useAction } from './ui.js';

export const cardName = (method: PaymentMethod): string => `${brandName(method.brand)} •••• ${method.last4}${method.label ? ` (${method.label})` : ''}`;

type Props = {
  subscription: Subscription;
  methods: PaymentMethod[];
  /** Resume once the card is set (a subscription whose card was removed is not resumed without one). */
  thenResume: boolean;
  onDone: (subscription: Subscription, message: string) => void;
  onClose: () => void;
};

/**
 * Pays a subscription with another saved card: PATCH paymentMethodId with If-Match, the
 * subscription's ETag as read just before (a renewal or another tab's change in between is a
 * 412, shown, nothing changed); then, when asked, resumes it.
 */
export const ChangeCard = ({ subscription, methods, thenResume, onDone, onClose }: Props) => {
  const { subscriptionId } = subscription;
  const kept = methods.find((m) => m.paymentMethodId === subscription.paymentMethodId);
  const [pick, setPick] = useState((kept ?? methods.find((m) => m.isDefault) ?? methods[0])?.paymentMethodId ?? '');
  const action = useAction();
  const fieldId = `card-for-${subscriptionId}`;
  const save = (event: Event) => {
    event.preventDefault();
    const method = methods.find((m) => m.paymentMethodId === pick);
    if (!method) return;
    void action.run(async () => {
      const read = await api.request<Subscription>('GET', `/subscriptions/${subscriptionId}`);
      const changed = await api.request<Subscription>('PATCH', `/subscriptions/${subscriptionId}`, { body: { paymentMethodId: pick }, ifMatch: read.etag });
      if (!thenResume) return onDone(changed.data, `The subscription is now paid with ${cardName(method)}.`);
      const resumed = await api.request<Subscription>('POST', `/subscriptions/${subscriptionId}/resume`, { ifMatch: changed.etag });
      onDone(resumed.data, `The subscription is paid with ${cardName(method)} and running again.`);
    });
  };
  if (methods.length === 0) {
    return (
      <div class="alert info" role="status">
        You have no saved card to pay with. <a href="/account/payment-methods">Save one on Payment methods</a>, then come back here.{' '}
        <button type="button" class="link" onClick={onClose}>Close</button>
      </div>
    );
  }
  return (
    <form class="row change-card" onSubmit={save} aria-label="Change the card">
      {thenResume && <p class="wide">Its card was removed: choose the card to pay with, and it resumes with it.</p>}
      <label for={fieldId}>Pay with</label>
      <select id={fieldId} value={pick} onChange={(e) => setPick(e.currentTarget.value)}>
        {methods.map((m) => <option key={m.paymentMethodId} value={m.paymentMethodId}>{cardName(m)}</option>)}
      </select>
      <button type="submit" disabled={action.busy}>{thenResume ? 'Use this card and resume' : 'Use this card'}</button>
      <button type="button" class="secondary" onClick={onClose}>Keep as it is</button>
      <ErrorAlert error={action.error} title="The card was not changed." />
    </form>
  );
};
