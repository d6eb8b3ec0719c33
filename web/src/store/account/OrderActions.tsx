import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../shared/api.js';
import { api } from '../session.js';
import { AddressForm } from './AddressForm.js';
import type { Address, Order, OrderSummary } from './types.js';
import { ErrorAlert, Loading, useAction } from './ui.js';

type Props = {
  orderId: string;
  onDone: (summary: OrderSummary) => void;
  /** 409: the order shipped (or otherwise moved on) meanwhile; the card says so and reads it again. */
  onRefused: (error: ApiError) => void;
  onClose: () => void;
};

const refused = (error: unknown): error is ApiError => error instanceof ApiError && error.status === 409;

/** What a refused change of an order means to the shopper: 409 it shipped, 412 it changed since it was read. */
export const OrderError = ({ error }: { error: unknown }) => {
  if (!error) return null;
  const status = error instanceof ApiError ? error.status : 0;
  const title =
    status === 409 ? 'Already shipped: this order can no longer be changed.'
    : status === 412 ? 'Changed meanwhile: the order was updated since you opened this form. Its latest version is loaded; check and save again.'
    : undefined;
  return <ErrorAlert error={error} title={title} />;
};

/** Cancel, asked first: the stock is released and the payment refunded. */
export const CancelOrder = ({ orderId, onDone, onRefused, onClose }: Props) => {
  const action = useAction();
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => keep.current?.focus(), []);
  const cancel = () =>
    action.run(async () => {
      try {
        onDone(await api.post<OrderSummary>(`/orders/${orderId}/cancel`));
      } catch (error) {
        if (refused(error)) onRefused(error);
        else throw error;
      }
    });
  return (
    <div class="confirm" role="group" aria-label="Confirm cancellation">
      <p>
        <strong>Cancel this order?</strong> Its items go back on the shelf and your payment is refunded. This cannot be undone.
      </p>
      <div class="row">
        <button type="button" class="danger" disabled={action.busy} onClick={cancel}>
          {action.busy ? 'Cancelling…' : 'Yes, cancel the order'}
        </button>
        <button type="button" class="secondary" ref={keep} onClick={onClose}>Keep the order</button>
      </div>
      <OrderError error={action.error} />
    </div>
  );
};

/**
 * A new shipping address: the order is read first (its ETag), and the change is sent with
 * If-Match, so a change made meanwhile elsewhere is not overwritten unseen (412).
 */
export const ChangeAddress = ({ orderId, onDone, onRefused, onClose }: Props) => {
  const [read, setRead] = useState<{ address: Address; etag: string | null } | null>(null);
  const loading = useAction();
  const saving = useAction();
  const load = () =>
    loading.run(async () => {
      const answer = await api.request<Order>('GET', `/orders/${orderId}`);
      setRead({ address: answer.data.shippingAddress, etag: answer.etag });
    });
  useEffect(() => void load(), [orderId]);
  const save = async (shippingAddress: Address) => {
    const ok = await saving.run(async () => {
      try {
        const answer = await api.request<OrderSummary>('PATCH', `/orders/${orderId}`, { body: { shippingAddress }, ifMatch: read?.etag ?? null });
        onDone(answer.data);
      } catch (error) {
        if (refused(error)) onRefused(error);
        else throw error;
      }
    });
    if (!ok) void reloadEtag();
  };
  // After a 412 the form keeps what was typed; only the version it will be sent against moves on.
  const reloadEtag = async () => {
    const answer = await api.request<Order>('GET', `/orders/${orderId}`).catch(() => null);
    if (answer) setRead((current) => current && { ...current, etag: answer.etag });
  };
  return (
    <div class="change-address">
      <h3>New shipping address</h3>
      {loading.error ? <ErrorAlert error={loading.error} title="The order could not be read." />
        : !read ? <Loading what="the order" />
        : <AddressForm initial={read.address} submitLabel="Save address" busy={saving.busy} onSubmit={save} onCancel={onClose} />}
      <OrderError error={saving.error} />
    </div>
  );
};
