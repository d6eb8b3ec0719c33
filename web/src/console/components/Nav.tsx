import { useLocation } from 'preact-iso';
import type { Session } from '../../shared/api.js';
import { api, path } from '../session.js';

const LINKS: Array<[string, string]> = [
  ['', 'Dashboard'],
  ['/orders', 'Orders'],
  ['/shipments', 'Shipments'],
  ['/inventory', 'Inventory'],
  ['/products', 'Products'],
  ['/projections', 'Projections'],
  ['/parked', 'Parked work'],
];

const isCurrent = (current: string, href: string) => (href === path('') ? current === href || current === `${href}/` : current === href || current.startsWith(`${href}/`));

/** The console's side navigation, with who is signed in and a sign-out. */
export const Nav = ({ session }: { session: Session }) => {
  const { path: current } = useLocation();
  return (
    <aside class="side">
      <a class="brand" href={path('')}>
        <span class="logo" aria-hidden="true">◆</span> Shop console
      </a>
      <nav aria-label="Console">
        <ul>
          {LINKS.map(([rest, label]) => {
            const href = path(rest);
            return (
              <li key={href}>
                <a href={href} aria-current={isCurrent(current, href) ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      <div class="side-foot">
        <p class="who">
          <span class="muted">Signed in as</span> <span>{session.email}</span>
        </p>
        <button type="button" class="secondary" onClick={() => api.signOut()}>
          Sign out
        </button>
        <a class="store-link" href="/">
          Open the storefront
        </a>
      </div>
    </aside>
  );
};
