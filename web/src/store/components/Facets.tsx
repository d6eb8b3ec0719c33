import { useState } from 'preact/hooks';
import { useAddressSync } from '../../shared/address-sync.js';
import type { SearchResult } from '../types.js';

export type Filters = { q: string; category: string; brand: string; minPrice: string; maxPrice: string; inStock: string; sort: string; page: string };

/** The home page's state, all of it in the URL's query (so back, forward and reload keep it). */
export const filtersOf = (query: Record<string, string>): Filters => ({
  q: query.q ?? '', category: query.category ?? '', brand: query.brand ?? '', minPrice: cents(query.minPrice), maxPrice: cents(query.maxPrice),
  inStock: query.inStock === 'true' ? 'true' : '', sort: query.sort ?? '', page: /^[1-9][0-9]{0,8}$/.test(query.page ?? '') ? query.page! : '',
});

/** A price bound in the address is whole cents; anything else (`?minPrice=abc`, hand-typed) is no bound, not "from $NaN". */
const cents = (value: string | undefined): string => (value !== undefined && /^[0-9]{1,12}$/.test(value) ? value : '');

/** The URL of the home page with these filters changed; any change but the page's goes back to page 1. */
export const hrefWith = (filters: Filters, changes: Partial<Filters>): string => {
  const next: Filters = { ...filters, ...('page' in changes ? {} : { page: '' }), ...changes };
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(next)) if (value && !(key === 'page' && value === '1')) params.set(key, value);
  const text = params.toString();
  return text ? `/?${text}` : '/';
};

const FacetList = ({ title, field, counts, filters }: { title: string; field: 'brand' | 'category'; counts: Record<string, number>; filters: Filters }) => {
  const selected = filters[field];
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  if (selected && !(selected in counts)) entries.unshift([selected, 0]);
  return (
    <section class="facet" aria-labelledby={`facet-${field}`}>
      <h3 id={`facet-${field}`}>{title}</h3>
      {entries.length === 0 ? <p class="muted">None</p> : (
        <ul>
          {entries.map(([value, count]) => (
            <li key={value}>
              <a href={hrefWith(filters, { [field]: value === selected ? '' : value })} aria-current={value === selected ? 'true' : undefined} class="facet-link">
                <span>{value}</span>
                <span class="facet-count">{count}<span class="visually-hidden"> products</span></span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {selected && <a class="clear" href={hrefWith(filters, { [field]: '' })}>All {title.toLowerCase()}s<span class="visually-hidden"> (clear the {field} filter)</span></a>}
    </section>
  );
};

/** Dollars as the shopper types them ↔ minor units as the API takes them. */
const toCents = (text: string): string => (text.trim() === '' || Number.isNaN(Number(text)) ? '' : String(Math.round(Number(text) * 100)));
const toDollars = (cents: string): string => (cents === '' ? '' : String(Number(cents) / 100));

const PriceRange = ({ filters, go }: { filters: Filters; go: (href: string) => void }) => {
  const [min, setMin] = useState(toDollars(filters.minPrice));
  const [max, setMax] = useState(toDollars(filters.maxPrice));
  useAddressSync(() => { setMin(toDollars(filters.minPrice)); setMax(toDollars(filters.maxPrice)); }, [filters.minPrice, filters.maxPrice]);
  return (
    <section class="facet" aria-labelledby="facet-price">
      <h3 id="facet-price">Price</h3>
      <form class="price-range" onSubmit={(e) => { e.preventDefault(); go(hrefWith(filters, { minPrice: toCents(min), maxPrice: toCents(max) })); }}>
        <div class="field">
          <label for="price-min">Min ($)</label>
          <input id="price-min" type="number" min="0" step="0.01" inputMode="decimal" value={min} onInput={(e) => setMin(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="price-max">Max ($)</label>
          <input id="price-max" type="number" min="0" step="0.01" inputMode="decimal" value={max} onInput={(e) => setMax(e.currentTarget.value)} />
        </div>
        <button type="submit" class="secondary">Apply</button>
      </form>
    </section>
  );
};

/** The sidebar: category and brand with counts, price range, in stock only. */
export const Facets = ({ filters, result, go }: { filters: Filters; result: SearchResult | null; go: (href: string) => void }) => (
  <aside class="facets" aria-label="Filters">
    <h2 class="visually-hidden">Filters</h2>
    <div class="facet">
      <label class="check">
        <input type="checkbox" checked={filters.inStock === 'true'} onChange={(e) => go(hrefWith(filters, { inStock: e.currentTarget.checked ? 'true' : '' }))} />
        In stock only
      </label>
    </div>
    <FacetList title="Category" field="category" counts={result?.facets.category ?? {}} filters={filters} />
    <FacetList title="Brand" field="brand" counts={result?.facets.brand ?? {}} filters={filters} />
    <PriceRange filters={filters} go={go} />
  </aside>
);
