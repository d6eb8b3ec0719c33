import { useRoute } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../shared/api.js';
import { dateTime } from '../../shared/format.js';
import { draftOf, FIELDS, minorUnits, PRICE_ERROR, ProductFields, type ProductDraft } from '../components/ProductFields.js';
import { Errors, Loading, PageHead } from '../components/ui.js';
import { errorLines, useTitle } from '../hooks.js';
import { api, path } from '../session.js';
import type { Product } from '../types.js';

type Loaded = { product: Product; etag: string | null };

/** The fields the operator changed from what they loaded. */
const changesOf = (loaded: ProductDraft, draft: ProductDraft): Partial<ProductDraft> =>
  Object.fromEntries(FIELDS.filter((f) => draft[f] !== loaded[f]).map((f) => [f, draft[f]]));

/**
 * Edits a product (PATCH /products/:id) with If-Match: the ETag it was loaded with. When
 * someone changed it meanwhile (412), says so, shows what they changed, and offers to load the
 * latest and apply this operator's changes on top, to review and save again.
 */
export const ProductPage = () => {
  const { params } = useRoute();
  const id = params.id!;
  useTitle('Edit product');
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [draft, setDraft] = useState<ProductDraft | null>(null);
  const [error, setError] = useState<string[] | null>(null);
  const [conflict, setConflict] = useState(false);
  const [said, setSaid] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const fetchLatest = async (): Promise<Loaded> => {
    const answer = await api.request<Product>('GET', `/products/${id}`);
    return { product: answer.data, etag: answer.etag };
  };

  useEffect(() => {
    setLoaded(null);
    fetchLatest().then(
      (latest) => {
        setLoaded(latest);
        setDraft(draftOf(latest.product));
      },
      (caught: unknown) => setError(errorLines(caught)),
    );
  }, [id]);

  const save = async (event: Event) => {
    event.preventDefault();
    if (!loaded || !draft) return;
    // Each submit says only what it did: an earlier "Saved price." beside a new error would read as both.
    setError(null);
    setSaid(null);
    const changes = changesOf(draftOf(loaded.product), draft);
    if (Object.keys(changes).length === 0) return setSaid('Nothing changed.');
    const amount = changes.price === undefined ? undefined : minorUnits(changes.price);
    if (amount === null) return setError([PRICE_ERROR]);
    const { price: _price, ...rest } = changes;
    const body = { ...rest, ...(amount === undefined ? {} : { price: { amount, currency: loaded.product.price.currency } }) };
    setBusy(true);
    try {
      await api.request('PATCH', `/products/${id}`, { body, ifMatch: loaded.etag });
      const latest = await fetchLatest();
      setLoaded(latest);
      setDraft(draftOf(latest.product));
      setConflict(false);
      setSaid(`Saved ${Object.keys(changes).join(', ')}.`);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 412) setConflict(true);
      else setError(errorLines(caught));
    } finally {
      setBusy(false);
    }
  };

  /** Loads the latest version and puts this operator's changes on top of it (kept in the form, not saved yet). */
  const reapply = async (keepMine: boolean) => {
    if (!loaded || !draft) return;
    const mine = changesOf(draftOf(loaded.product), draft);
    try {
      const latest = await fetchLatest();
      setLoaded(latest);
      setDraft({ ...draftOf(latest.product), ...(keepMine ? mine : {}) });
      setConflict(false);
      setSaid(keepMine ? 'Loaded the latest version with your changes on top: review them and save again.' : 'Loaded the latest version.');
    } catch (caught) {
      setError(errorLines(caught));
    }
  };

  return (
    <>
      <p class="crumbs">
        <a href={path('/products')}>Products</a> <span aria-hidden="true">/</span> {loaded?.product.name ?? '…'}
      </p>
      <PageHead title={loaded ? `Edit ${loaded.product.name}` : 'Edit product'} />
      {!loaded && !error && <Loading what="the product" />}
      {loaded && draft && (
        <form class="panel stack" onSubmit={save} aria-labelledby="edit-title">
          <h2 id="edit-title" class="row">
            <span>Details</span>
            <span class="muted small mono">
              SKU {loaded.product.sku} · version {loaded.etag?.replace(/"/g, '') ?? '?'} · updated {dateTime(loaded.product.updatedAt)}
            </span>
          </h2>
          <div aria-live="assertive">
            {conflict && (
              <div class="alert conflict" role="alert">
                <strong>Conflict: someone changed this product since you loaded it.</strong> Your changes were not saved (the server answered 412: the version you edited,{' '}
                {loaded.etag}, is no longer the latest).
                <div class="row">
                  <button type="button" onClick={() => reapply(true)}>
                    Load the latest and re-apply my changes
                  </button>
                  <button type="button" class="secondary" onClick={() => reapply(false)}>
                    Discard my changes
                  </button>
                </div>
              </div>
            )}
            <Errors lines={error} />
            {said && <p class="alert success">{said}</p>}
          </div>
          <ProductFields draft={draft} onChange={setDraft} idPrefix="edit" />
          <div class="row">
            <button type="submit" disabled={busy || conflict}>
              Save changes
            </button>
            <a class="button secondary" href={path('/products')}>
              Back to products
            </a>
          </div>
        </form>
      )}
      {!loaded && error && <Errors lines={error} />}
    </>
  );
};
