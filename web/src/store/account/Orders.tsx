/** My orders */
export const MyOrders = () => (
  <section>
    <h1>My orders</h1>
  </section>
);
