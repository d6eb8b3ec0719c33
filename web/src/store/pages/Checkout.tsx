/** Checkout */
export const CheckoutPage = () => (
  <section>
    <h1>Checkout</h1>
  </section>
);
