import { useRef, useState } from 'preact/hooks';
import { Attempt } from '../../shared/api.js';
import { money } from '../../shared/format.js';
import { api } from '../session.js';
import { AddressFields, EMPTY_ADDRESS, normalAddress } from './AddressForm.js';
import type { Catalog } from './Subscriptions.js';
import type { Address, Profile, Subscription } from './types.js';
import { ErrorAlert, brandName, useAction } from './ui.js';
import { useLoad } from './use-load.js';

const INTERVALS = [
  { days: 7, label: 'Every week' },
  { days: 14, label: 'Every 2 weeks' },
  { days: 30, label: 'Every 30 days' },
  { days: 60, label: 'Every 60 days' },
  { days: 90, label: 'Every 90 days' },
];

/** Start a subscription: a product and how many, how often, where to, and which saved card pays. */
export const SubscriptionForm = ({ catalog, onCreated }: { catalog: Catalog; onCreated: (subscription: Subscription) => void }) => {
  const profile = useLoad((signal) => api.get<Profile>('/account/me', undefined, signal), []);
  const saved = profile.data?.addresses ?? [];
  const defaultMethod = catalog.methods.find((m) => m.isDefault) ?? catalog.methods[0];
  const [productId, setProductId] = useState(catalog.products[0]?.productId ?? '');
  const [quantity, setQuantity] = useState(1);
  const [intervalDays, setIntervalDays] = useState(30);
  const [addressChoice, setAddressChoice] = useState('');
  const [address, setAddress] = useState<Address>(EMPTY_ADDRESS);
  const [methodId, setMethodId] = useState(defaultMethod?.paymentMethodId ?? '');
  const action = useAction();
  const creating = useRef(new Attempt());
  const choice = addressChoice || saved[0]?.addressId || 'new';
  const submit = (event: Event) => {
    event.preventDefault();
    const savedAddress = saved.find((a) => a.addressId === choice);
    const shippingAddress = savedAddress ? { line1: savedAddress.line1, city: savedAddress.city, postalCode: savedAddress.postalCode, country: savedAddress.country } : normalAddress(address);
    void action.run(async () =>
      onCreated(await creating.current.run((idempotencyKey) => api.post<Subscription>('/subscriptions', { items: [{ productId, quantity }], intervalDays, shippingAddress, paymentMethodId: methodId }, { idempotencyKey }))),
    );
  };
  return (
    <section class="panel" aria-labelledby="new-sub-title">
      <h2 id="new-sub-title">Start a subscription</h2>
      {catalog.methods.length === 0 ? (
        <p class="alert info">
          Subscriptions are paid with a saved card. <a href="/account/payment-methods">Save a card first</a>, then come back here.
        </p>
      ) : (
        <form class="stack" onSubmit={submit}>
          <div class="form-grid">
            <label>
              Product
              <select value={productId} required onChange={(e) => setProductId(e.currentTarget.value)}>
                {catalog.products.map((p) => <option key={p.productId} value={p.productId}>{p.name} — {money(p.price)}</option>)}
              </select>
            </label>
            <label>
              Quantity
              <input type="number" min={1} max={99} required value={quantity} onInput={(e) => setQuantity(Number(e.currentTarget.value))} />
            </label>
            <label>
              How often
              <select value={intervalDays} onChange={(e) => setIntervalDays(Number(e.currentTarget.value))}>
                {INTERVALS.map((i) => <option key={i.days} value={i.days}>{i.label}</option>)}
              </select>
            </label>
            <label>
              Pay with
              <select value={methodId} required onChange={(e) => setMethodId(e.currentTarget.value)}>
                {catalog.methods.map((m) => <option key={m.paymentMethodId} value={m.paymentMethodId}>{brandName(m.brand)} •••• {m.last4}{m.label ? ` (${m.label})` : ''}</option>)}
              </select>
            </label>
            <label class="wide">
              Ship to
              <select value={choice} onChange={(e) => setAddressChoice(e.currentTarget.value)}>
                {saved.map((a) => <option key={a.addressId} value={a.addressId}>{a.line1}, {a.postalCode} {a.city}, {a.country}</option>)}
                <option value="new">A new address…</option>
              </select>
            </label>
          </div>
          {choice === 'new' && (
            <fieldset>
              <legend>New shipping address</legend>
              <AddressFields value={address} onChange={setAddress} />
            </fieldset>
          )}
          <button type="submit" disabled={action.busy || !productId}>{action.busy ? 'Subscribing…' : 'Subscribe'}</button>
        </form>
      )}
      <ErrorAlert error={action.error} title="The subscription was not started." />
    </section>
  );
};
