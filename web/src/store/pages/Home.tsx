import { useLocation } from 'preact-iso';
import { api } from '../session.js';
import type { SearchResult } from '../types.js';
import { useLoad, useTitle } from '../components/useLoad.js';
import { ErrorAlert, Loading } from '../../shared/errors.js';
import { ProductCard } from '../components/ProductBits.js';
import { Pager } from '../components/Pager.js';
import { Facets, filtersOf, hrefWith, type Filters } from '../components/Facets.js';
import { money } from '../../shared/format.js';

const PAGE_SIZE = 12;

const SORTS: Array<[string, string]> = [['', 'Best match'], ['newest', 'Newest'], ['price', 'Price: low to high'], ['-price', 'Price: high to low'], ['rating', 'Top rated']];

const headingOf = (filters: Filters): string => (filters.q ? `Results for “${filters.q}”` : filters.category || 'All products');

/** The filters in force, each removable. */
const ActiveFilters = ({ filters }: { filters: Filters }) => {
  const chips: Array<[string, Partial<Filters>]> = [];
  if (filters.q) chips.push([`“${filters.q}”`, { q: '' }]);
  if (filters.category) chips.push([filters.category, { category: '' }]);
  if (filters.brand) chips.push([filters.brand, { brand: '' }]);
  if (filters.minPrice) chips.push([`from ${money({ amount: Number(filters.minPrice), currency: 'USD' })}`, { minPrice: '' }]);
  if (filters.maxPrice) chips.push([`up to ${money({ amount: Number(filters.maxPrice), currency: 'USD' })}`, { maxPrice: '' }]);
  if (filters.inStock) chips.push(['in stock', { inStock: '' }]);
  if (chips.length === 0) return null;
  return (
    <ul class="chips" aria-label="Active filters">
      {chips.map(([label, change]) => (
        <li key={label}><a href={hrefWith(filters, change)} class="chip">{label} <span aria-hidden="true">×</span><span class="visually-hidden">(remove)</span></a></li>
      ))}
      <li><a href="/" class="clear">Clear all</a></li>
    </ul>
  );
};

const MAX_PAGE = 1000;

/** Search and browse: results as cards, facets beside, sorting and paging; everything in the URL. */
export const Home = () => {
  const { query, route } = useLocation();
  const filters = filtersOf(query);
  const key = JSON.stringify(filters);
  // The API pages up to 1000: a page past that asks for the last one it serves, but the shopper is told of the page they asked for.
  const asked = Math.max(1, Number(filters.page) || 1);
  const page = Math.min(MAX_PAGE, asked);
  const result = useLoad(
    (signal) => api.get<SearchResult>('/search', { q: filters.q, category: filters.category, brand: filters.brand, minPrice: filters.minPrice, maxPrice: filters.maxPrice, inStock: filters.inStock, sort: filters.sort, page, pageSize: PAGE_SIZE }, signal),
    [key],
  );
  const heading = headingOf(filters);
  useTitle(heading === 'All products' ? '' : heading);
  const data = result.data;
  return (
    <>
      <div class="results-head">
        <div>
          <h1 id="results-heading">{heading}</h1>
          <p class="muted" role="status">{data && !result.loading ? `${data.total} product${data.total === 1 ? '' : 's'}` : ''}</p>
        </div>
        <div class="field sort">
          <label for="sort">Sort by</label>
          <select id="sort" value={filters.sort} onChange={(e) => route(hrefWith(filters, { sort: e.currentTarget.value }))}>
            {SORTS.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </div>
      </div>
      <div class="shop-layout">
        <Facets filters={filters} result={data} go={route} />
        <section class="results" aria-labelledby="results-heading" aria-busy={result.loading ? 'true' : 'false'}>
          <ActiveFilters filters={filters} />
          {data?.ignoredWords && data.ignoredWords.length > 0 && <p class="muted">Ignored: {data.ignoredWords.join(', ')}</p>}
          <ErrorAlert error={result.error} title="The products could not be read." />
          {result.loading && !data && <Loading what="products" />}
          {data && data.items.length === 0 && data.total > 0 && !result.loading && (
            <div class="empty panel">
              <h2>No products on this page</h2>
              <p class="muted">Page {asked} is past the last one: the results end at page {Math.ceil(data.total / PAGE_SIZE)}.</p>
              <a class="button secondary" href={hrefWith(filters, { page: '' })}>Go to the first page</a>
            </div>
          )}
          {data && data.items.length === 0 && data.total === 0 && !result.loading && (
            <div class="empty panel">
              <h2>No products match</h2>
              <p class="muted">Try other words, or fewer filters.</p>
              <a class="button secondary" href="/">See all products</a>
            </div>
          )}
          {data && data.items.length > 0 && (
            <ul class={`product-grid${result.loading ? ' stale' : ''}`} aria-label="Products">
              {data.items.map((product) => <ProductCard key={product.productId} product={product} />)}
            </ul>
          )}
          {data && <Pager page={page} pageSize={PAGE_SIZE} total={data.total} hrefOf={(p) => hrefWith(filters, { page: String(p) })} label="Result pages" />}
        </section>
      </div>
    </>
  );
};
