/** Your cart */
export const CartPage = () => (
  <section>
    <h1>Your cart</h1>
  </section>
);
