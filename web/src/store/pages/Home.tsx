/** Products */
export const Home = () => (
  <section>
    <h1>Products</h1>
  </section>
);
