import { useState } from 'preact/hooks';
import { ApiError } from '../../shared/api.js';
import { api } from '../session.js';
import { ErrorAlert, useAction } from './ui.js';

/**
 * Change my password (POST /account/me/password): the current one again, and the new. Every
 * other device is signed out; this one goes on with the token the answer carries. A wrong current
 * password is a 401 without `invalid_token`: the session stays.
 */
export const ChangePassword = () => {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [notice, setNotice] = useState('');
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    setNotice('');
    void action.run(async () => {
      const answer = await api.post<{ token: string }>('/account/me/password', { currentPassword: current, newPassword: next });
      api.renewed(answer.token);
      setCurrent('');
      setNext('');
      setNotice('Your password is changed. Every other device was signed out.');
    });
  };
  const status = action.error instanceof ApiError ? action.error.status : 0;
  const title = status === 401 ? 'Not changed: the current password is wrong.' : 'Not changed.';
  return (
    <section class="panel" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <form class="stack" onSubmit={submit}>
        <label>
          Current password
          <input type="password" required autocomplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
        </label>
        <label>
          New password <span class="muted">(at least 8 characters)</span>
          <input type="password" required minLength={8} autocomplete="new-password" value={next} onInput={(e) => setNext(e.currentTarget.value)} />
        </label>
        <button type="submit" class="secondary" disabled={action.busy}>{action.busy ? 'Changing…' : 'Change password'}</button>
      </form>
      <div role="status">{notice && <p class="alert success">{notice}</p>}</div>
      <ErrorAlert error={action.error} title={title} />
    </section>
  );
};
