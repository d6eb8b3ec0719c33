import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { useAddressSync } from '../shared/address-sync.js';
import { api, useSession } from './session.js';
import { refreshCartCount, useCartCount } from './cart-count.js';
import { nextOf, nextQuery } from './next.js';
import type { SearchResult } from './types.js';

/** The categories of the catalog (the search's facet), read once per page load. */
const useCategories = (): string[] => {
  const [categories, setCategories] = useState<string[]>([]);
  useEffect(() => {
    api.get<SearchResult>('/search', { pageSize: 1 }).then(
      (result) => setCategories(Object.keys(result.facets.category).sort()),
      () => setCategories([]), // the bar still works without them; the home page shows the error
    );
  }, []);
  return categories;
};

const SearchBox = () => {
  const { query, route } = useLocation();
  const [text, setText] = useState(query.q ?? '');
  useAddressSync(() => setText(query.q ?? ''), [query.q]);
  return (
    <form role="search" aria-label="Products" class="search" onSubmit={(e) => {
      e.preventDefault();
      const q = text.trim();
      route(q ? `/?q=${encodeURIComponent(q)}` : '/');
    }}>
      <label for="search-q" class="visually-hidden">Search products</label>
      <input id="search-q" type="search" name="q" placeholder="Search products…" value={text} autocomplete="off" onInput={(e) => setText(e.currentTarget.value)} />
      <button type="submit">Search</button>
    </form>
  );
};

/** The shopper's menu: their account pages and sign out. */
const AccountMenu = ({ email }: { email: string }) => {
  const { url, route } = useLocation();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [url]);
  return (
    <details class="menu" open={open} onToggle={(e) => setOpen(e.currentTarget.open)} onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
      <summary><span class="visually-hidden">Account menu for </span>{email}</summary>
      <ul>
        <li><a href="/account/orders">My orders</a></li>
        <li><a href="/account/notifications">Notifications</a></li>
        <li><a href="/account/subscriptions">Subscriptions</a></li>
        <li><a href="/account/payment-methods">Payment methods</a></li>
        <li><a href="/account">Account</a></li>
        <li><button type="button" class="link" onClick={() => { api.signOut(); route('/'); }}>Sign out</button></li>
      </ul>
    </details>
  );
};

const CartIcon = () => (
  <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
    <circle cx="9" cy="20" r="1.5" /><circle cx="18" cy="20" r="1.5" /><path d="M2 3h3l2.7 12.4a2 2 0 0 0 2 1.6h8.6a2 2 0 0 0 2-1.6L22 7H6" />
  </svg>
);

/** The bar on every page: home, search, categories, cart, the shopper's account. */
export const Header = () => {
  const session = useSession();
  const count = useCartCount();
  const categories = useCategories();
  const { path, query } = useLocation();
  useEffect(() => void refreshCartCount(), []);
  // On the sign-in and sign-up pages, their own `next` as they will follow it (never a raw one passed on).
  const back = nextQuery(path === '/signin' || path === '/signup' ? nextOf(query) : path);
  return (
    <header class="top">
      <div class="top-inner">
        <a class="brand" href="/"><span aria-hidden="true" class="brand-mark">◆</span> Shop</a>
        <SearchBox />
        <nav aria-label="Your shop" class="header-menu">
          <a href="/cart" class="cart-link" aria-current={path === '/cart' ? 'page' : undefined}>
            <CartIcon /> Cart <span class="count">{count}<span class="visually-hidden"> item{count === 1 ? '' : 's'}</span></span>
          </a>
          {session ? (
            <AccountMenu email={session.email} />
          ) : (
            <>
              <a href={`/signin${back}`}>Sign in</a>
              <a href={`/signup${back}`} class="button signup">Sign up</a>
            </>
          )}
        </nav>
      </div>
      {categories.length > 0 && (
        <nav aria-label="Categories" class="categories">
          <a href="/" aria-current={path === '/' && !query.category && !query.q ? 'page' : undefined}>All products</a>
          {categories.map((category) => (
            <a key={category} href={`/?category=${encodeURIComponent(category)}`} aria-current={path === '/' && query.category === category ? 'page' : undefined}>{category}</a>
          ))}
        </nav>
      )}
    </header>
  );
};
