import { useState } from 'preact/hooks';
import { ApiError, newIdempotencyKey } from '../../shared/api.js';
import { api } from '../session.js';
import type { Address, Order } from '../types.js';
import { ErrorAlert } from '../../shared/errors.js';
import { AddressFields } from './AddressFields.js';

const OPEN: Order['status'][] = ['Pending', 'Paid', 'Confirmed'];

const titleOf = (error: unknown, what: string): string =>
  error instanceof ApiError && error.status === 409 ? `${what}: the order has already left or ended.`
  : error instanceof ApiError && error.status === 412 ? `${what}: the order changed meanwhile; it has been read again, please try again.`
  : `${what}.`;

/** Cancel the order, or change where it goes, while it has not shipped (409 after, shown as such). */
export const OrderActions = ({ order, etag, reload }: { order: Order; etag: string | null; reload: () => void }) => {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ error: unknown; title: string } | null>(null);
  const [done, setDone] = useState('');
  const [address, setAddress] = useState<Address>(order.shippingAddress);
  if (!OPEN.includes(order.status)) return null;

  const run = async (what: string, act: () => Promise<unknown>, success: string) => {
    setBusy(true);
    setError(null);
    setDone('');
    try {
      await act();
      setDone(success);
    } catch (e) {
      setError({ error: e, title: titleOf(e, what) });
    } finally {
      setBusy(false);
      reload();
    }
  };
  const cancel = () => {
    if (!window.confirm('Cancel this order? A captured payment is refunded.')) return;
    void run('Not cancelled', () => api.post(`/orders/${order.orderId}/cancel`, undefined, { idempotencyKey: newIdempotencyKey() }), 'Cancellation requested.');
  };
  const amend = (e: Event) => {
    e.preventDefault();
    void run('Address not changed', () => api.patch(`/orders/${order.orderId}`, { shippingAddress: address }, { ifMatch: etag }), 'The delivery address was changed.');
  };
  return (
    <section class="panel" aria-labelledby="actions-heading">
      <h2 id="actions-heading">Change of plans?</h2>
      <p class="muted">You can cancel or change the delivery address until the order ships.</p>
      <div aria-live="polite">{done && <p class="alert success">{done}</p>}</div>
      {error && <ErrorAlert error={error.error} title={error.title} />}
      <details class="amend">
        <summary>Change the delivery address</summary>
        <form onSubmit={amend} class="stack">
          <AddressFields value={address} onChange={setAddress} error={error?.error} idPrefix="amend" disabled={busy} />
          <button type="submit" disabled={busy}>Save the new address</button>
        </form>
      </details>
      <button type="button" class="danger" onClick={cancel} disabled={busy}>Cancel the order</button>
    </section>
  );
};
