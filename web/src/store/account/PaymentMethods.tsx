/** Saved payment methods */
export const PaymentMethods = () => (
  <section>
    <h1>Saved payment methods</h1>
  </section>
);
