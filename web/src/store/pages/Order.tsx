/** Order */
export const OrderPage = () => (
  <section>
    <h1>Order</h1>
  </section>
);
