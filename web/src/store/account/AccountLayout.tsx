import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { Session } from '../../shared/api.js';
import { useSession } from '../session.js';
import { AccountNav } from './AccountNav.js';
import './account.css';

type Props = {
  title: string;
  /** A line under the title. */
  intro?: ComponentChildren;
  /** The page itself, drawn only for a signed-in shopper. */
  children: (session: Session) => ComponentChildren;
};

/**
 * Every account page: the account's navigation beside the page, for a signed-in shopper only.
 * Signed out (or once the API refuses the token), a link to sign in that comes back here.
 */
export const AccountLayout = ({ title, intro, children }: Props) => {
  const session = useSession();
  const { url } = useLocation();
  useEffect(() => {
    document.title = `${title} · Shop`;
  }, [title]);
  if (!session) {
    return (
      <section class="account-signin panel" aria-labelledby="account-title">
        <h1 id="account-title">{title}</h1>
        <p>Sign in to see your account: your orders, notifications, subscriptions and saved cards.</p>
        <a class="button" href={`/signin?next=${encodeURIComponent(url)}`}>Sign in</a>
      </section>
    );
  }
  return (
    <div class="account">
      <aside class="account-side">
        <p class="account-who">
          <span class="muted">Signed in as</span>
          <strong title={session.email}>{session.email}</strong>
        </p>
        <AccountNav />
      </aside>
      <section class="account-main" aria-labelledby="account-title">
        <header class="account-head">
          <h1 id="account-title">{title}</h1>
          {intro && <p class="muted">{intro}</p>}
        </header>
        {children(session)}
      </section>
    </div>
  );
};
