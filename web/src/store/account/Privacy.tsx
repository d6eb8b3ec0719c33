import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError, type Problem } from '../../shared/api.js';
import { api } from '../session.js';
import { ErrorAlert, useAction } from './ui.js';

/**
 * The two privacy requests: a copy of my data (GDPR art. 20) and erasure (art. 17). The export
 * goes through fetch here rather than the shared client: it is a file to save, not JSON to parse.
 * (A wrong password on erasure answers 401 without `invalid_token`: the shared client keeps the session.)
 */
const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
  const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${api.session?.token ?? ''}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`/api/v1${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as Partial<Problem>;
    throw new ApiError(response.status, { ...problem, status: response.status });
  }
  return response;
};

/** `attachment; filename="export-2025-01-01.json"` → the name (else one of ours). */
const fileName = (disposition: string | null): string => /filename="?([^";]+)"?/.exec(disposition ?? '')?.[1] ?? 'my-shop-data.json';

/** Saves the answer as a file: a Blob URL clicked as a download link, released once the download has it. */
const save = (blob: Blob, name: string) => {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
};

export const ExportData = () => {
  const action = useAction();
  const [saved, setSaved] = useState('');
  const download = () =>
    action.run(async () => {
      const response = await call('GET', '/account/me/export');
      const name = fileName(response.headers.get('content-disposition'));
      save(await response.blob(), name);
      setSaved(name);
    });
  return (
    <section class="panel" aria-labelledby="export-title">
      <h2 id="export-title">Download my data</h2>
      <p>
        A JSON file with everything we hold about you: profile and addresses, saved cards (never their tokens), cart, orders, payments,
        shipments, reviews, subscriptions, the emails we sent and every event of your account.
      </p>
      <button type="button" class="secondary" disabled={action.busy} onClick={download}>
        {action.busy ? 'Preparing your file…' : 'Download my data'}
      </button>
      <div role="status">{saved && <p class="alert success">Your data was saved as {saved}.</p>}</div>
      <ErrorAlert error={action.error} title="The download failed." />
    </section>
  );
};

export const DeleteAccount = () => {
  const { route } = useLocation();
  const [password, setPassword] = useState('');
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await api.delete('/account/me', { password });
      api.signOut();
      route('/');
    });
  };
  const status = action.error instanceof ApiError ? action.error.status : 0;
  const title = status === 409 ? 'Your account cannot be deleted yet:' : status === 401 ? 'Not deleted:' : 'Not deleted.';
  return (
    <section class="panel danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete my account</h2>
      <p>
        Your account is closed at once and your personal data erased: your name, email, phone and addresses become unreadable
        everywhere. Orders stay in our books as a former customer's, without them. This cannot be undone. While an order is on
        its way to being shipped, wait until it has shipped (or cancel it).
      </p>
      <form class="row" onSubmit={submit}>
        <label>
          Your password, to confirm
          <input type="password" required autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <button type="submit" class="danger" disabled={action.busy}>
          {action.busy ? 'Deleting…' : 'Delete my account'}
        </button>
      </form>
      <ErrorAlert error={action.error} title={title} />
    </section>
  );
};
