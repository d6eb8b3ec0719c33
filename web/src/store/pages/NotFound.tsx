import { useTitle } from '../components/useLoad.js';

/** Page not found */
export const NotFound = () => {
  useTitle('Page not found');
  return (
    <section class="panel empty">
      <h1>Page not found</h1>
      <p class="muted">There is no page at this address. It may have moved, or the link may be mistyped.</p>
      <a class="button" href="/">Back to the shop</a>
    </section>
  );
};
