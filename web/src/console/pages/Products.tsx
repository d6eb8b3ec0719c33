import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { money } from '../../shared/format.js';
import { PRICE_ERROR, ProductFields, minorUnits, type ProductDraft } from '../components/ProductFields.js';
import { Badge, Empty, Errors, Loading, PageHead, Pager, PastTheEnd, count } from '../components/ui.js';
import { askedPage, pageOf, useAction, useLoad, useTitle } from '../hooks.js';
import { api, path } from '../session.js';
import type { Paged, Product } from '../types.js';

const PAGE_SIZE = 20;
const EMPTY: ProductDraft = { name: '', description: '', brand: '', category: '', price: '' };

/** The catalog (GET /products, newest first), a page at a time; a new product; each row opens its editor. */
export const ProductsPage = () => {
  useTitle('Products');
  const { query, route } = useLocation();
  const page = pageOf(query.page);
  const { data, error, loading, reload } = useLoad((signal) => api.get<Paged<Product>>('/products', { sort: 'newest', page, pageSize: PAGE_SIZE }, signal), [page]);
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHead title="Products">
        <button type="button" onClick={() => setCreating(!creating)} aria-expanded={creating} aria-controls="new-product">
          {creating ? 'Close the new product form' : 'New product'}
        </button>
      </PageHead>
      {creating && <NewProduct onCreated={(id) => (reload(), route(path(`/products/${id}`)))} />}
      <Errors lines={error} />
      {!data && loading && <Loading what="products" />}
      {data && data.items.length === 0 && data.total === 0 && <Empty>The catalog is empty: create the first product.</Empty>}
      {data && data.items.length === 0 && data.total > 0 && <PastTheEnd page={askedPage(query.page)} list={`the catalog (${count(data.total, 'product')})`} first={path('/products')} />}
      {data && data.items.length > 0 && (
        <div class="panel flush">
          <table class="data clickable">
            <caption class="visually-hidden">Products, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">SKU</th>
                <th scope="col">Brand</th>
                <th scope="col">Category</th>
                <th scope="col" class="num">Price</th>
                <th scope="col" class="num">Available</th>
                <th scope="col">Rating</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((product) => (
                <tr key={product.productId} onClick={(e) => (e.target as HTMLElement).closest('a') || route(path(`/products/${product.productId}`))}>
                  <td>
                    <a href={path(`/products/${product.productId}`)}>{product.name}</a>
                  </td>
                  <td class="mono">{product.sku}</td>
                  <td>{product.brand}</td>
                  <td>{product.category}</td>
                  <td class="num">{money(product.price)}</td>
                  <td class="num">{product.inStock ? product.available : <Badge status="Out of stock" tone="bad" />}</td>
                  <td>{product.rating.count ? `${product.rating.average.toFixed(1)} ★ (${product.rating.count})` : <span class="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager label="Products" page={data.page} pageSize={data.pageSize} total={data.total} onPage={(p) => route(path(`/products?page=${p}`))} />
        </div>
      )}
    </>
  );
};

const NewProduct = ({ onCreated }: { onCreated: (productId: string) => void }) => {
  const [sku, setSku] = useState('');
  const [draft, setDraft] = useState(EMPTY);
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const amount = minorUnits(draft.price);
    if (amount === null) return action.run(() => Promise.reject(new Error(PRICE_ERROR)));
    const created = await action.run(() =>
      api.post<{ productId: string }>('/products', { sku: sku.trim(), name: draft.name, description: draft.description, brand: draft.brand, category: draft.category, price: { amount, currency: 'USD' } }),
    );
    if (created) onCreated(created.productId);
  };
  return (
    <form id="new-product" class="panel stack" onSubmit={submit} aria-labelledby="new-product-title">
      <h2 id="new-product-title">New product</h2>
      <label for="new-sku" class="narrow">
        SKU
        <input id="new-sku" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}" value={sku} onInput={(e) => setSku(e.currentTarget.value)} />
      </label>
      <ProductFields draft={draft} onChange={setDraft} idPrefix="new" />
      <div aria-live="polite">
        <Errors lines={action.error} />
      </div>
      <div class="row">
        <button type="submit" disabled={action.busy}>
          Create product
        </button>
        <span class="muted small">It starts with no stock: receive goods on the Inventory page.</span>
      </div>
    </form>
  );
};
