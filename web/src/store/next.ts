/**
 * Where to go once signed in: `?next=` when it is a path of this shop, else the home page.
 * Judged as the browser will read it: `/\\evil.example` or `/\t/evil.example` start with one
 * slash but lead to another origin, and `/..//evil.example` resolves here to the path
 * `//evil.example`, which history and links read as another host (the router's history call
 * would throw after the sign-in).
 */
export const nextOf = (query: Record<string, string>): string => {
  const next = query.next ?? '';
  if (!next.startsWith('/')) return '/';
  try {
    const url = new URL(next, location.origin);
    const path = `${url.pathname}${url.search}${url.hash}`;
    return url.origin === location.origin && !path.startsWith('//') ? path : '/';
  } catch {
    return '/';
  }
};

/** `?next=…` for a link to the sign-in or sign-up page, none for the home page. */
export const nextQuery = (next: string): string => (next && next !== '/' ? `?next=${encodeURIComponent(next)}` : '');
