/** Sign in. */
export const SignInPage = () => (
  <section>
    <h1>Sign in</h1>
  </section>
);

/** Create an account. */
export const SignUpPage = () => (
  <section>
    <h1>Create an account</h1>
  </section>
);
