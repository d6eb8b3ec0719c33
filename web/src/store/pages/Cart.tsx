import { useState } from 'preact/hooks';
import { money } from '../../shared/format.js';
import { api, useSession } from '../session.js';
import { cartChanged } from '../cart-count.js';
import type { Cart, CartLine } from '../types.js';
import { useLoad, useTitle } from '../components/useLoad.js';
import { ErrorAlert, Loading } from '../../shared/errors.js';
import { ProductVisual } from '../components/ProductBits.js';

const lineTotal = (line: CartLine) => ({ amount: line.unitPrice.amount * line.quantity, currency: line.unitPrice.currency });

/** One line: name, unit price, quantity (− / field / +), line total, remove. */
const CartRow = ({ line, busy, change, remove }: { line: CartLine; busy: boolean; change: (quantity: number) => void; remove: () => void }) => {
  const id = `qty-${line.productId}`;
  const [refused, setRefused] = useState('');
  // 0 removes the line, as its Remove button does; what is not a quantity at all goes back to the line's, saying why.
  const typed = (field: HTMLInputElement) => {
    const text = field.value.trim();
    const value = Number(text);
    setRefused('');
    if (text !== '' && value === 0) return remove();
    if (text === '' || !Number.isInteger(value) || value < 0) {
      field.value = String(line.quantity);
      return setRefused(`“${text || 'nothing'}” is not a quantity: type a whole number from 1 to 100, or 0 to remove ${line.name}.`);
    }
    if (value !== line.quantity) change(value);
  };
  return (
    <li class="cart-line">
      <ProductVisual name={line.name} category={line.sku} />
      <div class="cart-line-name">
        <a href={`/products/${line.productId}`}>{line.name}</a>
        <div class="muted small">{money(line.unitPrice)} each · SKU {line.sku}</div>
      </div>
      <div class="stepper-input">
        <label for={id} class="visually-hidden">Quantity of {line.name}</label>
        <button type="button" class="secondary" aria-label={`One less ${line.name}`} disabled={busy || line.quantity <= 1} onClick={() => change(line.quantity - 1)}>−</button>
        <input id={id} type="number" min="0" max="100" value={line.quantity} disabled={busy}
          aria-invalid={refused ? 'true' : undefined} aria-describedby={refused ? `${id}-error` : undefined} onChange={(e) => typed(e.currentTarget)} />
        <button type="button" class="secondary" aria-label={`One more ${line.name}`} disabled={busy} onClick={() => change(line.quantity + 1)}>+</button>
        {refused && <p class="field-error" id={`${id}-error`} role="alert">{refused}</p>}
      </div>
      <div class="cart-line-total">{money(lineTotal(line))}</div>
      <button type="button" class="link danger-link" disabled={busy} onClick={remove}>Remove<span class="visually-hidden"> {line.name}</span></button>
    </li>
  );
};

const SignInFirst = () => (
  <section class="panel empty">
    <h1>Your cart</h1>
    <p>Sign in to see your cart and check out.</p>
    <div class="row"><a class="button" href="/signin?next=/cart">Sign in</a><a class="button secondary" href="/signup?next=/cart">Create an account</a></div>
  </section>
);

/** The cart: change quantities, remove lines, the total; on to checkout. */
export const CartPage = () => {
  useTitle('Your cart');
  const session = useSession();
  const cart = useLoad((signal) => (session ? api.get<Cart>('/cart', undefined, signal) : Promise.resolve(null)), [session?.token]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [announce, setAnnounce] = useState('');
  if (!session) return <SignInFirst />;

  const write = async (act: () => Promise<Cart>, done: string) => {
    setBusy(true);
    setError(null);
    try {
      const next = await act();
      cart.set(next);
      cartChanged(next);
      setAnnounce(done);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const data = cart.data;
  const count = data?.items.reduce((sum, line) => sum + line.quantity, 0) ?? 0;
  return (
    <section aria-labelledby="cart-heading">
      <h1 id="cart-heading">Your cart</h1>
      <p class="visually-hidden" role="status">{announce}</p>
      <ErrorAlert error={cart.error} title="The cart could not be read." />
      <ErrorAlert error={error} title="The cart was not changed." />
      {cart.loading && !data && <Loading what="your cart" />}
      {data && data.items.length === 0 && (
        <div class="panel empty">
          <h2>Your cart is empty</h2>
          <p class="muted">Find something you like and add it here.</p>
          <a class="button" href="/">Start shopping</a>
        </div>
      )}
      {data && data.items.length > 0 && (
        <div class="cart-layout">
          <ul class="cart-lines panel" aria-label="Items in your cart">
            {data.items.map((line) => (
              <CartRow key={line.productId} line={line} busy={busy}
                change={(quantity) => write(() => api.patch<Cart>(`/cart/items/${line.productId}`, { quantity }), `${line.name}: quantity ${quantity}.`)}
                remove={() => write(() => api.delete<Cart>(`/cart/items/${line.productId}`), `${line.name} removed.`)} />
            ))}
          </ul>
          <aside class="summary panel" aria-labelledby="summary-heading">
            <h2 id="summary-heading">Summary</h2>
            <dl class="totals">
              <div><dt>Items</dt><dd>{count}</dd></div>
              <div><dt>Shipping</dt><dd>Free</dd></div>
              <div class="grand"><dt>Total</dt><dd>{money(data.total)}</dd></div>
            </dl>
            <a class="button block" href="/checkout">Proceed to checkout</a>
            <a class="block-link" href="/">Continue shopping</a>
          </aside>
        </div>
      )}
    </section>
  );
};
