/** Product */
export const ProductPage = () => (
  <section>
    <h1>Product</h1>
  </section>
);
