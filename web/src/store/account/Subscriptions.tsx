/** My subscriptions */
export const Subscriptions = () => (
  <section>
    <h1>My subscriptions</h1>
  </section>
);
