import { useRef, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { ApiError, Attempt, outcomeUnknown } from '../../shared/api.js';
import { money } from '../../shared/format.js';
import { api, useSession } from '../session.js';
import { cartChanged } from '../cart-count.js';
import type { Cart, Product } from '../types.js';
import { useLoad, useTitle } from '../components/useLoad.js';
import { ErrorAlert, Loading } from '../../shared/errors.js';
import { Availability, ProductVisual, Stars } from '../components/ProductBits.js';
import { BoughtTogether, ProductReviews } from '../components/ProductExtras.js';

type Outcome = { kind: 'success'; text: string; cart?: boolean } | { kind: 'error'; error: unknown; title: string; cart?: boolean } | null;

/**
 * An add whose answer was lost (the connection dropped, or a gateway answered, after the shop may have taken it): not
 * "not added". Adding again repeats the same Idempotency-Key, so the shop adds it at most once.
 */
const UnconfirmedAdd = () => (
  <div class="alert error" role="alert">
    <strong>We could not confirm the item was added.</strong> The shop's answer did not reach us (the connection dropped, or a gateway failed), so it may be in your cart already.
    Adding it again is safe: it is added only once. <a href="/cart">View cart</a>
  </div>
);

/** Add to cart with a quantity (or, out of stock, ask to be told when it is back). */
const BuyBox = ({ product, reload }: { product: Product; reload: () => void }) => {
  const session = useSession();
  const { route, path } = useLocation();
  const [quantity, setQuantity] = useState(1);
  const [busy, setBusy] = useState(false);
  const adding = useRef(new Attempt());
  const [outcome, setOutcome] = useState<Outcome>(null);
  const inStock = product.inStock && product.available > 0;
  const max = Math.max(1, Math.min(product.available, 100));

  const addToCart = async (e: Event) => {
    e.preventDefault();
    if (!session) return route(`/signin?next=${encodeURIComponent(path)}`);
    setBusy(true);
    setOutcome(null);
    try {
      const cart = await adding.current.run((idempotencyKey) => api.post<Cart>('/cart/items', { productId: product.productId, quantity }, { idempotencyKey }));
      cartChanged(cart);
      setOutcome({ kind: 'success', text: `Added ${quantity} × ${product.name} to your cart.`, cart: true });
    } catch (error) {
      const title = error instanceof ApiError && error.status === 409 ? 'Not enough stock.' : 'Could not add to the cart.';
      setOutcome({ kind: 'error', error, title, cart: true });
      if (error instanceof ApiError && error.status === 409) reload();
    } finally {
      setBusy(false);
    }
  };

  // Notify-me, and its withdrawal. The API has no read of a shopper's own request (POST and DELETE only), so after a
  // reload the page cannot know one waits: it offers to cancel one asked for before, and DELETE's 404 says none did.
  const [waiting, setWaiting] = useState(false);
  const alert = async (method: 'post' | 'delete') => {
    setBusy(true);
    setOutcome(null);
    try {
      if (method === 'post') {
        await api.post(`/products/${product.productId}/notify-me`);
        setWaiting(true);
        setOutcome({ kind: 'success', text: `We will email ${session?.email ?? 'you'} once ${product.name} is back in stock.` });
      } else {
        await api.delete(`/products/${product.productId}/notify-me`);
        setWaiting(false);
        setOutcome({ kind: 'success', text: `Alert cancelled: we will not email you about ${product.name}.` });
      }
    } catch (error) {
      // 404 on a withdrawal: nothing of theirs waits (never asked, the email went out, or it was withdrawn elsewhere).
      if (method === 'delete' && error instanceof ApiError && error.status === 404) {
        setWaiting(false);
        return setOutcome({ kind: 'success', text: `No alert of yours was waiting for ${product.name}: there was nothing to cancel.` });
      }
      setOutcome({ kind: 'error', error, title: method === 'post' ? 'Could not sign you up for the alert.' : 'Could not cancel the alert.' });
      if (error instanceof ApiError && error.status === 409) reload();
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="buy-box">
      <p class="price big">{money(product.price)}</p>
      <p><Availability product={product} /></p>
      {inStock ? (
        <form class="add-form" onSubmit={addToCart}>
          <div class="field qty">
            <label for="quantity">Quantity</label>
            <input id="quantity" type="number" min="1" max={max} required value={quantity} onInput={(e) => setQuantity(Math.max(1, Math.floor(Number(e.currentTarget.value)) || 1))} />
          </div>
          <button type="submit" class="primary-action" disabled={busy}>{busy ? 'Adding…' : 'Add to cart'}</button>
        </form>
      ) : session ? (
        waiting ? (
          <button type="button" class="secondary" onClick={() => alert('delete')} disabled={busy}>Cancel the alert</button>
        ) : (
          <>
            <button type="button" class="secondary" onClick={() => alert('post')} disabled={busy}>Notify me when it is back</button>
            <p class="muted small">Asked for an alert before? <button type="button" class="link" onClick={() => alert('delete')} disabled={busy}>Cancel that alert</button></p>
          </>
        )
      ) : (
        <p><a href={`/signin?next=${encodeURIComponent(path)}`}>Sign in</a> to be emailed when it is back in stock.</p>
      )}
      <div aria-live="polite">
        {outcome?.kind === 'success' && (
          <p class="alert success">{outcome.text} {outcome.cart && <a href="/cart">View cart</a>}</p>
        )}
      </div>
      {outcome?.kind === 'error' && (outcomeUnknown(outcome.error) && outcome.cart ? <UnconfirmedAdd /> : <ErrorAlert error={outcome.error} title={outcome.title} />)}
    </div>
  );
};

/** One product: price, description, availability, rating and reviews, bought together; add to cart. */
export const ProductPage = () => {
  const { params } = useRoute();
  const id = params.id ?? '';
  const product = useLoad((signal) => api.get<Product>(`/products/${encodeURIComponent(id)}`, undefined, signal), [id]);
  const data = product.data?.productId === id ? product.data : null;
  useTitle(data?.name ?? 'Product');
  if (product.error instanceof ApiError && product.error.status === 404) {
    return (
      <section class="panel empty">
        <h1>No such product</h1>
        <p class="muted">It may have been removed from the catalog.</p>
        <a class="button" href="/">Back to the shop</a>
      </section>
    );
  }
  if (!data) return product.error ? <ErrorAlert error={product.error} title="The product could not be read." /> : <Loading what="the product" />;
  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <ol>
          <li><a href="/">Shop</a></li>
          <li><a href={`/?category=${encodeURIComponent(data.category)}`}>{data.category}</a></li>
          <li aria-current="page">{data.name}</li>
        </ol>
      </nav>
      <article class="product-detail panel">
        <ProductVisual name={data.name} category={data.category} large />
        <div class="product-info">
          <p class="brand-name muted">{data.brand}</p>
          <h1>{data.name}</h1>
          <p><a href="#reviews" class="rating-link"><Stars rating={data.rating} /></a></p>
          <p class="description prose">{data.description}</p>
          <p class="muted small">SKU {data.sku}</p>
          <BuyBox key={data.productId} product={data} reload={product.reload} />
        </div>
      </article>
      <ErrorAlert error={product.error} title="The product could not be read again." />
      <div class="product-extras">
        <ProductReviews productId={id} />
        <BoughtTogether productId={id} />
      </div>
    </>
  );
};
