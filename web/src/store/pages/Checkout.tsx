import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError, newIdempotencyKey, outcomeUnknown } from '../../shared/api.js';
import { money } from '../../shared/format.js';
import { api, CHECKOUT_DRAFT_KEY, checkoutDraftOwner, useSession } from '../session.js';
import { cartChanged } from '../cart-count.js';
import type { Address, Cart, Me, PaymentMethod } from '../types.js';
import { useLoad, useTitle } from '../components/useLoad.js';
import { ErrorAlert, Loading } from '../../shared/errors.js';
import { AddressFields, EMPTY_ADDRESS, addressText } from '../components/AddressFields.js';
import { PaymentChoice, type PaymentPick } from '../components/PaymentChoice.js';

/**
 * The address typed at checkout, kept in the tab's sessionStorage: a session that ends there
 * sends the shopper to sign in again, and they come back to the form as they left it. Cleared
 * once the order is placed.
 */
const DRAFT_KEY = CHECKOUT_DRAFT_KEY;
const readDraft = (customerId: string | undefined): Address | null => {
  if (customerId === undefined || checkoutDraftOwner() !== customerId) return null;
  try {
    const draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY) ?? 'null') as { address?: Address } | null;
    return draft?.address && typeof draft.address.line1 === 'string' ? { ...EMPTY_ADDRESS, ...draft.address } : null;
  } catch {
    return null;
  }
};

type Details = { cart: Cart; me: Me | null; methods: PaymentMethod[]; problems: unknown[] };

/** The cart, the shopper's saved addresses and payment methods (those two optional: without them, the form still works). */
const loadDetails = async (signal: AbortSignal): Promise<Details> => {
  const [cart, me, methods] = await Promise.allSettled([
    api.get<Cart>('/cart', undefined, signal),
    api.get<Me>('/account/me', undefined, signal),
    api.get<{ items: PaymentMethod[] }>('/account/me/payment-methods', undefined, signal),
  ]);
  if (cart.status === 'rejected') throw cart.reason;
  return {
    cart: cart.value,
    me: me.status === 'fulfilled' ? me.value : null,
    methods: methods.status === 'fulfilled' ? methods.value.items : [],
    problems: [me, methods].filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason),
  };
};

const SavedAddresses = ({ me, pick, setPick }: { me: Me; pick: string; setPick: (id: string) => void }) => (
  <ul class="choices" aria-label="Saved addresses">
    {me.addresses.map((address) => (
      <li key={address.addressId}>
        <label class="choice">
          <input type="radio" name="address" checked={pick === address.addressId} onChange={() => setPick(address.addressId)} />
          <span>{addressText(address)}</span>
        </label>
      </li>
    ))}
    <li>
      <label class="choice">
        <input type="radio" name="address" checked={pick === 'new'} onChange={() => setPick('new')} />
        <span>A new address</span>
      </label>
    </li>
  </ul>
);

const OrderSummary = ({ cart }: { cart: Cart }) => (
  <aside class="summary panel" aria-labelledby="summary-heading">
    <h2 id="summary-heading">Your order</h2>
    <ul class="summary-lines">
      {cart.items.map((line) => (
        <li key={line.productId}><span>{line.quantity} × {line.name}</span><span>{money({ amount: line.unitPrice.amount * line.quantity, currency: line.unitPrice.currency })}</span></li>
      ))}
    </ul>
    <dl class="totals"><div class="grand"><dt>Total</dt><dd>{money(cart.total)}</dd></div></dl>
  </aside>
);

/**
 * Why the last attempt did not end on the order's page. Only an answer from the shop says the
 * order was not placed; a lost one (the connection dropped) leaves it unknown, and placing it
 * again sends the same Idempotency-Key, so the shop places it at most once.
 */
const CheckoutError = ({ error }: { error: unknown }) => {
  if (outcomeUnknown(error)) {
    return (
      <div class="alert error" role="alert">
        <strong>We could not confirm your order.</strong> The shop's answer did not reach us (the connection dropped, or a gateway failed), so it may or may not have been placed.
        Placing it again is safe: the shop places it only once. <a href="/account/orders">My orders</a> shows whether it was placed.
      </div>
    );
  }
  const repriced = error instanceof ApiError && error.problem.type === 'urn:shop:problem:prices-changed';
  return <ErrorAlert error={error} title={repriced ? 'The order was not placed: the prices changed. Check the new total and place the order again.' : 'The order was not placed.'} />;
};

/** Checkout: where to ship and how to pay; one Idempotency-Key per attempt; on to the order's page. */
export const CheckoutPage = () => {
  useTitle('Checkout');
  const session = useSession();
  const { route } = useLocation();
  useEffect(() => { if (!session) route('/signin?next=/checkout', true); }, [session]);
  const details = useLoad((signal) => (session ? loadDetails(signal) : Promise.reject(new Error('Signed out'))), [session?.token]);
  const [draft] = useState(() => readDraft(session?.customerId));
  const [addressPick, setAddressPick] = useState('new');
  const [address, setAddress] = useState<Address>(draft ?? EMPTY_ADDRESS);
  const [payment, setPayment] = useState<PaymentPick>({ kind: 'token', token: 'tok_visa' });
  const [attempt, setAttempt] = useState(newIdempotencyKey);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const data = details.data;
  // The defaults are picked once, from the first answer: a reload (the new prices after a 409)
  // must not switch the address or card the shopper chose back to them. Before the page paints
  // (a layout effect): after paint, a frame later or 35 ms later on a busy machine, the form
  // first showed "A new address" chosen, and a choice made meanwhile was switched back.
  const defaulted = useRef(false);
  useLayoutEffect(() => {
    if (!data || defaulted.current) return;
    defaulted.current = true;
    if (!draft && data.me && data.me.addresses.length > 0) setAddressPick(data.me.addresses[0]!.addressId);
    const preferred = data.methods.find((m) => m.isDefault) ?? data.methods[0];
    if (preferred) setPayment({ kind: 'saved', paymentMethodId: preferred.paymentMethodId });
  }, [data]);
  useEffect(() => {
    if (session && address !== EMPTY_ADDRESS && address !== draft) sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ customerId: session.customerId, address }));
  }, [address]);
  if (!session) return null;
  if (!data) return details.error ? <ErrorAlert error={details.error} title="Checkout could not start." /> : <Loading what="checkout" />;
  if (data.cart.items.length === 0) {
    return (
      <section class="panel empty"><h1>Checkout</h1><p>Your cart is empty.</p><a class="button" href="/">Start shopping</a></section>
    );
  }

  const submit = async (e: Event) => {
    e.preventDefault();
    const saved = data.me?.addresses.find((a) => a.addressId === addressPick);
    const shippingAddress: Address = saved ? { line1: saved.line1, city: saved.city, postalCode: saved.postalCode, country: saved.country } : address;
    const paymentMethod = payment.kind === 'saved' ? { paymentMethodId: payment.paymentMethodId } : { token: payment.token };
    setBusy(true);
    setError(null);
    try {
      const placed = await api.post<{ orderId: string }>('/checkout', { shippingAddress, paymentMethod }, { idempotencyKey: attempt });
      cartChanged(null);
      sessionStorage.removeItem(DRAFT_KEY);
      route(`/orders/${placed.orderId}`);
    } catch (failure) {
      setError(failure);
      // The cart took the catalog's new prices: show them (the summary and the button's total) before the customer places it again.
      if (failure instanceof ApiError && failure.problem.type === 'urn:shop:problem:prices-changed') details.reload();
      // An answer from the shop ends this attempt; a lost one (no answer) is retried with the same key.
      if (!outcomeUnknown(failure)) setAttempt(newIdempotencyKey());
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="checkout-heading">
      <h1 id="checkout-heading">Checkout</h1>
      {data.problems.map((problem, i) => <ErrorAlert key={i} error={problem} title="Some of your saved details could not be read." />)}
      <div class="checkout-layout">
        <form class="panel stack" onSubmit={submit} aria-describedby="checkout-error">
          <fieldset>
            <legend>Shipping address</legend>
            {data.me && data.me.addresses.length > 0 && <SavedAddresses me={data.me} pick={addressPick} setPick={setAddressPick} />}
            {addressPick === 'new' && <AddressFields value={address} onChange={setAddress} error={error} idPrefix="ship" disabled={busy} />}
          </fieldset>
          <PaymentChoice methods={data.methods} value={payment} onChange={setPayment} />
          <div id="checkout-error"><CheckoutError error={error} /></div>
          <button type="submit" class="primary-action block" disabled={busy}>{busy ? 'Placing your order…' : `Place order · ${money(data.cart.total)}`}</button>
        </form>
        <OrderSummary cart={data.cart} />
      </div>
    </section>
  );
};
