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
  const deliver = async () => {
    if (!(await action.run(() => api.post(`/shipments/${shipmentId}/deliver`, {})))) return;
    setSaid('Delivery confirmed.');
    onDone(`Shipment ${shipmentId.slice(0, 8)}: delivery confirmed.`);
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
