/** My notifications */
export const Notifications = () => (
  <section>
    <h1>My notifications</h1>
  </section>
);
