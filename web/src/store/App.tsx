import { Api } from '../shared/api.js';

/** The storefront (served at /). */
export const api = new Api('shop.session');

export const App = () => (
  <>
    <header class="top">
      <a class="brand" href="/">Shop</a>
    </header>
    <main id="main">
      <h1>Shop</h1>
    </main>
  </>
);
