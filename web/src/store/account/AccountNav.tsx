import { useLocation } from 'preact-iso';

const PAGES = [
  { href: '/account', label: 'Profile & privacy' },
  { href: '/account/orders', label: 'Orders' },
  { href: '/account/notifications', label: 'Notifications' },
  { href: '/account/subscriptions', label: 'Subscriptions' },
  { href: '/account/payment-methods', label: 'Payment methods' },
] as const;

/** The account's own navigation: the page shown is marked (aria-current). */
export const AccountNav = () => {
  const { path } = useLocation();
  return (
    <nav class="account-nav" aria-label="My account">
      <ul>
        {PAGES.map((page) => (
          <li key={page.href}>
            <a href={page.href} aria-current={path === page.href ? 'page' : undefined}>
              {page.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
};
