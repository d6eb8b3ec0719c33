/** My account */
export const AccountPage = () => (
  <section>
    <h1>My account</h1>
  </section>
);
