import { Api } from '../shared/api.js';

/** The operator console (served at /console), for admins. */
export const api = new Api('shop.console.session');

export const App = () => (
  <>
    <header class="top">
      <a class="brand" href="/console">Shop console</a>
    </header>
    <main id="main">
      <h1>Console</h1>
    </main>
  </>
);
