import { useState } from 'preact/hooks';
import { notAdmin } from '../../shared/api.js';
import { Errors } from '../components/ui.js';
import { errorLines, useTitle } from '../hooks.js';
import { api } from '../session.js';

/**
 * The admin's sign-in (POST /account/login). A customer's account signs in fine but is no
 * admin: told so, and signed out of the console again.
 */
export const SignIn = () => {
  useTitle('Sign in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  // Signed out by the shop itself (a token that ended, a 403): say why, once.
  const [error, setError] = useState<string[] | null>(api.signedOutBecause ? [api.signedOutBecause] : null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await api.signIn(email.trim(), password);
      if (session.role !== 'admin') {
        api.signOut();
        setError([notAdmin(session.email)]);
      }
    } catch (caught) {
      setError(errorLines(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="signin">
      <p class="brand-big">
        <span class="logo" aria-hidden="true">◆</span> Shop console
      </p>
      <form class="panel stack" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in as the admin</h1>
        <p class="muted">
          The admin account is the one the server was started with: <code>ADMIN_EMAIL</code> and <code>ADMIN_PASSWORD</code> in its environment (created at start if
          absent). Customer accounts cannot use the console.
        </p>
        <label>
          Email
          <input type="email" name="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input type="password" name="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <div aria-live="assertive">
          <Errors lines={error} />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="muted small">
          Forgot your password? <a href="/forgot-password">Reset it</a> (the link is emailed to the account's address).
        </p>
        <p class="muted small">
          Shopping instead? <a href="/">Go to the storefront</a>.
        </p>
      </form>
    </div>
  );
};
