import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError } from '../../shared/api.js';
import { api } from '../session.js';
import { useTitle } from '../components/useLoad.js';
import { useAction } from '../account/ui.js';
import { AuthCard, Field, FormError } from './Auth.js';

/**
 * A forgotten password: ask for a link by email (POST /account/password-reset), then set a new
 * password on the page the link opens (`/reset-password?token=…`, POST /account/password-reset/confirm).
 */
export const ForgotPasswordPage = () => {
  useTitle('Forgot your password?');
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState('');
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => setSent((await api.post<{ message: string }>('/account/password-reset', { email: email.trim() })).message));
  };
  return (
    <AuthCard title="Forgot your password?" footer={<>Remembered it? <a href="/signin">Sign in</a></>}>
      <form class="stack" onSubmit={submit}>
        <p>Give the email address of your account: we send it a link to choose a new password.</p>
        <FormError error={error} title="No link was sent." />
        <Field name="email" label="Email" type="email" autocomplete="username" value={email} set={setEmail} error={error} />
        <button type="submit" class="block" disabled={busy}>{busy ? 'Sending…' : 'Email me a link'}</button>
        <div role="status">{sent && <p class="alert success">{sent}</p>}</div>
      </form>
    </AuthCard>
  );
};

export const ResetPasswordPage = () => {
  useTitle('Choose a new password');
  const { query } = useLocation();
  const token = query.token ?? '';
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api.post('/account/password-reset/confirm', { token, newPassword: password });
      // Every session of the account was signed out, this browser's too.
      api.signOut();
      setDone(true);
    });
  };
  const linkDead = error instanceof ApiError && error.status === 422;
  if (done) {
    return (
      <AuthCard title="Your password is set" footer={<a href="/signin">Sign in</a>}>
        <p class="alert success" role="status">Sign in with your new password. Every device that was signed in to your account is signed out.</p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Choose a new password" footer={<>The link no longer works? <a href="/forgot-password">Ask for another</a></>}>
      {token === '' ? (
        <p class="alert error" role="alert">This page needs the link from the email. <a href="/forgot-password">Ask for one</a>.</p>
      ) : (
        <form class="stack" onSubmit={submit} noValidate>
          <FormError error={error} title={linkDead ? 'This link no longer works.' : 'The password was not set.'} />
          <Field name="newPassword" label="New password" type="password" autocomplete="new-password" value={password} set={setPassword} error={error} hint="At least 8 characters." />
          <button type="submit" class="block" disabled={busy}>{busy ? 'Setting it…' : 'Set my password'}</button>
        </form>
      )}
    </AuthCard>
  );
};
