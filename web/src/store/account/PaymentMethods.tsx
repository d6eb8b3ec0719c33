import { useRef, useState } from 'preact/hooks';
import { Attempt } from '../../shared/api.js';
import { api } from '../session.js';
import { AccountLayout } from './AccountLayout.js';
import type { Page, PaymentMethod, Subscription } from './types.js';
import { Empty, ErrorAlert, Loading, brandName, useAction } from './ui.js';
import { useLoad } from './use-load.js';

type Methods = { items: PaymentMethod[] };

/** Saved payment methods: the provider's tokens, shown by brand and last four digits; one is the default. */
export const PaymentMethods = () => (
  <AccountLayout title="Payment methods" intro="Cards saved for checkout and subscriptions. The default one is offered first.">
    {() => <MethodsPage />}
  </AccountLayout>
);

/** Every page of the customer's subscriptions (a customer with more than a page of them: each counts). */
const everySubscription = async (signal: AbortSignal): Promise<Subscription[]> => {
  const all: Subscription[] = [];
  for (let page = 1; ; page += 1) {
    const { items, total } = await api.get<Page<Subscription>>('/subscriptions', { page, pageSize: 100 }, signal);
    all.push(...items);
    if (items.length === 0 || all.length >= total) return all;
  }
};

const MethodsPage = () => {
  const methods = useLoad((signal) => api.get<Methods>('/account/me/payment-methods', undefined, signal), []);
  // Which cards pay for a subscription still running (or able to run again): removing one leaves its renewals unpaid.
  const subscriptions = useLoad((signal) => everySubscription(signal), []);
  const usedBy = (method: PaymentMethod) =>
    (subscriptions.data ?? []).filter((s) => s.status !== 'Cancelled' && s.paymentMethodId === method.paymentMethodId).length;
  const action = useAction();
  const [notice, setNotice] = useState('');
  const items = methods.data?.items ?? [];
  const makeDefault = (method: PaymentMethod) =>
    action.run(async () => {
      await api.post<PaymentMethod>(`/account/me/payment-methods/${method.paymentMethodId}/default`);
      methods.set((current) => current && { items: current.items.map((m) => ({ ...m, isDefault: m.paymentMethodId === method.paymentMethodId })) });
      setNotice(`${describe(method)} is now your default.`);
    });
  const remove = (method: PaymentMethod) =>
    action.run(async () => {
      const left = await api.delete<Methods>(`/account/me/payment-methods/${method.paymentMethodId}`);
      methods.set(() => left);
      setNotice(`${describe(method)} was removed.`);
    });
  const saved = (method: PaymentMethod) => {
    methods.set((current) => ({ items: [...(current?.items ?? []).filter((m) => m.paymentMethodId !== method.paymentMethodId), method] }));
    setNotice(`${describe(method)} was saved${method.isDefault ? ' as your default' : ''}.`);
  };
  return (
    <>
      <div role="status">{notice && <p class="alert success">{notice}</p>}</div>
      <ErrorAlert error={action.error} />
      <h2>Saved cards</h2>
      {methods.error ? <ErrorAlert error={methods.error} title="Your payment methods could not be loaded." />
        : !methods.data ? <Loading what="your payment methods" />
        : items.length === 0 ? <Empty><p>No saved cards yet. Save one below to pay faster at checkout.</p></Empty>
        : (
          <ul class="card-grid" aria-label="Saved cards">
            {items.map((method) => (
              <li key={method.paymentMethodId} class={`pay-card ${method.brand.toLowerCase()}`} aria-label={describe(method)}>
                <span class="brand">{brandName(method.brand)}</span>
                {method.label && <span class="label">{method.label}</span>}
                {method.isDefault && <span class="badge ok">Default</span>}
                <span class="number" aria-hidden="true">•••• •••• •••• {method.last4}</span>
                <div class="row">
                  {!method.isDefault && (
                    <button type="button" disabled={action.busy} onClick={() => makeDefault(method)}>
                      Make default<span class="visually-hidden"> {describe(method)}</span>
                    </button>
                  )}
                  <RemoveButton method={method} busy={action.busy} usedBy={usedBy(method)} onRemove={remove} />
                </div>
              </li>
            ))}
          </ul>
        )}
      <SaveMethod onSaved={saved} />
    </>
  );
};

const describe = (method: PaymentMethod) => `${brandName(method.brand)} ending in ${method.last4}${method.label ? ` (${method.label})` : ''}`;

/** Remove asks once more on the same button ("Remove" → "Confirm remove"), saying when a subscription pays with the card. */
const RemoveButton = ({ method, busy, usedBy, onRemove }: { method: PaymentMethod; busy: boolean; usedBy: number; onRemove: (method: PaymentMethod) => void }) => {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" disabled={busy} onClick={() => setAsking(true)}>
        Remove<span class="visually-hidden"> {describe(method)}</span>
      </button>
    );
  }
  return (
    <>
      {usedBy > 0 && (
        <p class="alert warn" role="alert">
          {usedBy === 1 ? 'A subscription pays' : `${usedBy} subscriptions pay`} with this card: once it is removed, {usedBy === 1 ? 'its renewals fail' : 'their renewals fail'} until
          you choose another card for {usedBy === 1 ? 'it' : 'them'} on <a href="/account/subscriptions">Subscriptions</a>.
        </p>
      )}
      <button type="button" disabled={busy} onClick={() => onRemove(method)}>
        Confirm remove<span class="visually-hidden"> {describe(method)}</span>
      </button>
      <button type="button" onClick={() => setAsking(false)}>Keep</button>
    </>
  );
};

/** Save a card by the payment provider's token (this shop's provider is simulated: its test tokens are named on the form). */
const SaveMethod = ({ onSaved }: { onSaved: (method: PaymentMethod) => void }) => {
  const [token, setToken] = useState('tok_visa');
  const [label, setLabel] = useState('');
  const action = useAction();
  const saving = useRef(new Attempt());
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const method = await saving.current.run((idempotencyKey) => api.post<PaymentMethod>('/account/me/payment-methods', { token: token.trim(), ...(label.trim() ? { label: label.trim() } : {}) }, { idempotencyKey }));
      onSaved(method);
      setLabel('');
    });
  };
  return (
    <section class="panel" aria-labelledby="save-card-title">
      <h2 id="save-card-title">Save a card</h2>
      <div class="alert info token-help" id="token-help">
        This shop's payment provider is simulated: instead of a card number you give it a <em>test token</em>.
        <code>tok_visa</code> saves a Visa card and <code>tok_mastercard</code> a Mastercard, both of which pay.
        Never enter a real card number here.
      </div>
      <form class="form-grid" onSubmit={submit}>
        <label>
          Card token
          <input value={token} required maxLength={100} list="test-tokens" aria-describedby="token-help" autocomplete="off" onInput={(e) => setToken(e.currentTarget.value)} />
          <datalist id="test-tokens">
            <option value="tok_visa">Visa (pays)</option>
            <option value="tok_mastercard">Mastercard (pays)</option>
          </datalist>
        </label>
        <label>
          Name it <span class="muted">(optional, e.g. “Work card”)</span>
          <input value={label} maxLength={50} onInput={(e) => setLabel(e.currentTarget.value)} />
        </label>
        <div class="wide row">
          <button type="submit" disabled={action.busy}>{action.busy ? 'Saving…' : 'Save card'}</button>
        </div>
      </form>
      <ErrorAlert error={action.error} title="The card was not saved." />
    </section>
  );
};
