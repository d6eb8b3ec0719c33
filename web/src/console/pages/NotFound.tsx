import { useTitle } from '../hooks.js';
import { path } from '../session.js';

export const NotFound = () => {
  useTitle('Not found');
  return (
    <section class="panel">
      <h1>Nothing here</h1>
      <p>
        This console page does not exist. <a href={path('')}>Back to the dashboard</a>.
      </p>
    </section>
  );
};
