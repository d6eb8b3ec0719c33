import { useState } from 'preact/hooks';
import { useAction } from '../hooks.js';
import { api } from '../session.js';
import { Errors } from './ui.js';

type DispatchAnswer = { shipmentId: string; trackingNumber: string | null; status: string };

/** Dispatch (book with the carrier) a preparing shipment, or confirm a shipped one's delivery; what happened is announced. */
export const ShipmentActions = ({ shipmentId, status, onDone }: { shipmentId: string; status: string; onDone: (said: string) => void }) => {
  const action = useAction();
  const [said, setSaid] = useState<string | null>(null);
  const dispatch = async () => {
    const answer = await action.run(() => api.post<DispatchAnswer>(`/shipments/${shipmentId}/dispatch`, {}));
    if (!answer) return;
    const text = answer.status === 'Booking' ? 'Dispatched: the carrier is still booking it.' : `Dispatched, tracking number ${answer.trackingNumber ?? '—'}.`;
    setSaid(text);
    onDone(`Shipment ${shipmentId.slice(0, 8)}: ${text}`);
  };
  // The carrier may have reported the delivery since the page last read the order (the shop then
  // answers a confirmation 200 all the same): read the shipment first, so the page says which it was.
  const deliver = async () => {
    const text = await action.run(async () => {
      const shipment = await api.get<{ status: string }>(`/shipments/${shipmentId}`);
      if (shipment.status === 'Delivered') return 'Already delivered: the carrier reported the delivery before you confirmed it.';
      await api.post(`/shipments/${shipmentId}/deliver`, {});
      return 'Delivery confirmed.';
    });
    if (!text) return;
    setSaid(text);
    onDone(`Shipment ${shipmentId.slice(0, 8)}: ${text}`);
  };
  return (
    <div class="actions">
      <div class="row">
        {status === 'Preparing' && (
          <button type="button" onClick={dispatch} disabled={action.busy} aria-label={`Dispatch shipment ${shipmentId}`}>
            Dispatch
          </button>
        )}
        {status === 'Shipped' && (
          <button type="button" onClick={deliver} disabled={action.busy} aria-label={`Mark shipment ${shipmentId} delivered`}>
            Deliver
          </button>
        )}
      </div>
      <div aria-live="polite">
        {said && <p class="alert success">{said}</p>}
        <Errors lines={action.error} />
      </div>
    </div>
  );
};
