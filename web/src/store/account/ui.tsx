import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { statusTone } from '../../shared/status.js';

/** Small pieces every account page uses: errors as the API words them, paging, badges, busy writes. */

// Errors and loading as every page of the storefront shows them.
export { errorLines, ErrorAlert, Loading } from '../../shared/errors.js';

export const Empty = ({ children }: { children: ComponentChildren }) => <div class="empty panel">{children}</div>;

/** A status as a badge; `Cancelled`, `PastDue`… read as words. */
export const StatusBadge = ({ status }: { status: string }) => {
  const tone = statusTone(status) || (status === 'PastDue' ? 'bad' : '');
  return <span class={`badge ${tone}`}>{status === 'PastDue' ? 'Past due' : status}</span>;
};

/** Previous / next links for a paged list (`?page=n` in the address, so back and reload keep the page). */
export const Pager = ({ page, pageSize, total, path }: { page: number; pageSize: number; total: number; path: string }) => {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  const href = (n: number) => (n <= 1 ? path : `${path}?page=${n}`);
  return (
    <nav class="account-pager" aria-label="Pages">
      {page > 1 ? <a class="button secondary" href={href(page - 1)} rel="prev">← Previous</a> : <span />}
      <span class="muted">
        Page {page} of {pages}
      </span>
      {page < pages ? <a class="button secondary" href={href(page + 1)} rel="next">Next →</a> : <span />}
    </nav>
  );
};

/** The `?page` of the address, 1 when absent or not a page number. */
export const pageOf = (query: Record<string, string>): number => {
  const n = Number.parseInt(query.page ?? '1', 10);
  return Number.isFinite(n) && n > 0 ? n : 1;
};

export type Action = {
  busy: boolean;
  error: unknown;
  /** Runs the write; its failure is kept (and shown), never thrown on. Resolves true when it succeeded. */
  run: (write: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
};

/** One write a user starts: busy while it runs (buttons disabled), its error kept for the page to show. */
export const useAction = (): Action => {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (write: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await write();
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(null) };
};

export const shortId = (id: string): string => id.slice(0, 8).toUpperCase();

/** A card's brand as people write it ("visa" → "Visa", "mastercard" → "Mastercard"). */
export const brandName = (brand: string): string => (brand ? brand[0]!.toUpperCase() + brand.slice(1) : 'Card');
