import { useSession } from './session.js';

/** The bar on every page: home, search, cart, the shopper's account. */
export const Header = () => {
  const session = useSession();
  return (
    <header class="top">
      <a class="brand" href="/">Shop</a>
      <nav aria-label="Main">
        <a href="/cart">Cart</a>
        {session ? <a href="/account/orders">My orders</a> : <a href="/signin">Sign in</a>}
      </nav>
    </header>
  );
};
