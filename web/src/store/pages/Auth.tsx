import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError } from '../../shared/api.js';
import { api } from '../session.js';
import { useTitle } from '../components/useLoad.js';
import { ErrorAlert, fieldError } from '../../shared/errors.js';
import { nextOf, nextQuery } from '../next.js';

type FieldProps = { name: string; label: string; type?: 'text' | 'email' | 'password' | 'tel'; autocomplete: string; value: string; set: (value: string) => void; error: unknown; hint?: string; required?: boolean };

/** A labelled input with its hint and the API's error for it (announced through aria-describedby). Preact types an input's attributes by its type: the cast picks one for the checker. */
export const Field = ({ name, label, type = 'text', autocomplete, value, set, error, hint, required = true }: FieldProps) => {
  const message = fieldError(error, name);
  const described = [hint && `${name}-hint`, message && `${name}-error`].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={name}>{label}{!required && <span class="muted"> (optional)</span>}</label>
      <input id={name} name={name} type={type as 'text'} autocomplete={autocomplete} required={required} value={value}
        aria-invalid={message ? 'true' : undefined} aria-describedby={described} onInput={(e) => set(e.currentTarget.value)} />
      {hint && <p class="hint muted" id={`${name}-hint`}>{hint}</p>}
      {message && <p class="field-error" id={`${name}-error`}>{message}</p>}
    </div>
  );
};

/** The whole-form error: field errors are beside their fields, so only a summary then. */
export const FormError = ({ error, title }: { error: unknown; title: string }) => {
  if (!error) return null;
  const fields = error instanceof ApiError ? (error.problem.errors ?? []) : [];
  if (fields.length > 0) return <div class="alert error" role="alert"><strong>{title}</strong> Please correct the {fields.length === 1 ? 'field' : `${fields.length} fields`} marked below.</div>;
  return <ErrorAlert error={error} title={title} />;
};

export const AuthCard = ({ title, children, footer }: { title: string; children: ComponentChildren; footer: ComponentChildren }) => (
  <section class="auth panel" aria-labelledby="auth-heading">
    <h1 id="auth-heading">{title}</h1>
    {children}
    <p class="auth-footer muted">{footer}</p>
  </section>
);

/**
 * Once signed in, to `next`. Outside the try around the sign-in: whatever the navigation does,
 * a sign-in that succeeded is never shown as failed (the home page if `next` cannot be gone to).
 */
const land = (route: (url: string, replace?: boolean) => void, next: string) => {
  try {
    route(next, true);
  } catch {
    route('/', true);
  }
};

/** Sign in, then back to where the shopper came from. */
export const SignInPage = () => {
  useTitle('Sign in');
  const { query, route } = useLocation();
  const next = nextOf(query);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // Sent here by the shop itself (a session that ended mid-checkout): say why, as the console does.
  const [because] = useState(api.signedOutBecause);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.signIn(email.trim(), password);
    } catch (failure) {
      setError(failure);
      setBusy(false);
      return;
    }
    land(route, next);
  };
  return (
    <AuthCard title="Sign in" footer={<>New here? <a href={`/signup${nextQuery(next)}`}>Create an account</a></>}>
      <form class="stack" onSubmit={submit}>
        {because && !error && <p class="alert info" role="status">{because}</p>}
        <FormError error={error} title="Not signed in." />
        <Field name="email" label="Email" type="email" autocomplete="username" value={email} set={setEmail} error={error} />
        <Field name="password" label="Password" type="password" autocomplete="current-password" value={password} set={setPassword} error={error} />
        <button type="submit" class="block" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        <p class="muted"><a href="/forgot-password">Forgot your password?</a></p>
      </form>
    </AuthCard>
  );
};

/** Create an account (POST /account/register), sign in, then back to where the shopper came from. */
export const SignUpPage = () => {
  useTitle('Create an account');
  const { query, route } = useLocation();
  const next = nextOf(query);
  const [form, setForm] = useState({ name: '', email: '', password: '', phone: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // The email of the account this form created: a sign-in that then failed is tried again without registering twice.
  const [created, setCreated] = useState<string | null>(null);
  const set = (field: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [field]: value }));
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const email = form.email.trim();
    try {
      if (created !== email) {
        await api.post('/account/register', { name: form.name.trim(), email, password: form.password, ...(form.phone.trim() ? { phone: form.phone.trim() } : {}) });
        setCreated(email);
      }
      await api.signIn(email, form.password);
    } catch (failure) {
      setError(failure);
      setBusy(false);
      return;
    }
    land(route, next);
  };
  return (
    <AuthCard title="Create an account" footer={<>Already have one? <a href={`/signin${nextQuery(next)}`}>Sign in</a></>}>
      <form class="stack" onSubmit={submit} noValidate>
        <FormError error={error} title={created === form.email.trim() ? 'Your account was created, but you are not signed in.' : 'The account was not created.'} />
        <Field name="name" label="Name" autocomplete="name" value={form.name} set={set('name')} error={error} />
        <Field name="email" label="Email" type="email" autocomplete="email" value={form.email} set={set('email')} error={error} />
        <Field name="password" label="Password" type="password" autocomplete="new-password" value={form.password} set={set('password')} error={error} hint="At least 8 characters." />
        <Field name="phone" label="Phone" type="tel" autocomplete="tel" value={form.phone} set={set('phone')} error={error} required={false} />
        <button type="submit" class="block" disabled={busy}>{busy ? 'Creating your account…' : 'Create account'}</button>
      </form>
    </AuthCard>
  );
};
