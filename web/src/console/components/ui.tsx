import type { ComponentChildren } from 'preact';
import { statusTone } from '../../shared/status.js';

/** Small pieces every console page uses. */

/** What the API said went wrong, one line each; announced as it appears. */
export const Errors = ({ lines, title }: { lines: string[] | null; title?: string }) =>
  lines && lines.length > 0 ? (
    <div class="alert error" role="alert">
      {title && <strong>{title}: </strong>}
      {lines.length === 1 ? lines[0] : <ul>{lines.map((line) => <li key={line}>{line}</li>)}</ul>}
    </div>
  ) : null;

export const Badge = ({ status, tone }: { status: string | null | undefined; tone?: 'ok' | 'warn' | 'bad' | '' }) =>
  status ? <span class={`badge ${tone ?? toneOf(status)}`}>{status}</span> : <span class="muted">—</span>;

/** The shop's statuses and the console's own (live, rebuilding, failed...). */
export const toneOf = (status: string): 'ok' | 'warn' | 'bad' | '' => {
  const base = statusTone(status);
  if (base) return base;
  if (/^(live|done|ok|Booked|InTransit|caught up)$/i.test(status)) return 'ok';
  if (/^(rebuilding|running|retrying|Booking|unassigned|catching up|low)/i.test(status)) return 'warn';
  if (/^(failed|failing|Refused|DeliveryFailed|out of stock)/i.test(status)) return 'bad';
  return '';
};

/** An id shortened for a table, the whole of it in a tooltip and for screen readers. */
export const ShortId = ({ id }: { id: string }) => (
  <span class="mono" title={id}>
    <span aria-hidden="true">{id.slice(0, 8)}</span>
    <span class="visually-hidden">{id}</span>
  </span>
);

export const PageHead = ({ title, children }: { title: string; children?: ComponentChildren }) => (
  <div class="page-head">
    <h1>{title}</h1>
    {children && <div class="page-actions">{children}</div>}
  </div>
);

/** A loading line for a first load (a reload keeps what is shown). */
export const Loading = ({ what }: { what: string }) => (
  <p class="muted loading" role="status">
    Loading {what}…
  </p>
);

export const Empty = ({ children }: { children: ComponentChildren }) => <p class="empty muted">{children}</p>;

/**
 * What a paged list shows on a page past its last one (its items empty, its total not): the page
 * asked for, as asked (the API serves up to page 1000), how many there are, and the way back.
 */
export const PastTheEnd = ({ page, list, first }: { page: number; list: string; first: string | (() => void) }) => (
  <Empty>
    Page {page} is past the end of {list}.{' '}
    {typeof first === 'string' ? (
      <a href={first}>Go to the first page</a>
    ) : (
      <button type="button" class="link" onClick={first}>
        Go to the first page
      </button>
    )}
    .
  </Empty>
);

/** `n` things, in words: "1 order", "16 orders". */
export const count = (n: number, thing: string): string => `${n} ${thing}${n === 1 ? '' : 's'}`;

/** Previous / next over a paged list: `{items, total, page, pageSize}`. */
export const Pager = ({ page, pageSize, total, onPage, label }: { page: number; pageSize: number; total: number; onPage: (page: number) => void; label: string }) => {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (total === 0) return null;
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <span class="muted">
        {first}–{last} of {total}
      </span>
      <button type="button" class="secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span aria-current="page">
        Page {page} of {pages}
      </span>
      <button type="button" class="secondary" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  );
};

/** A key figure on the dashboard. */
export const Figure = ({ label, value, hint, href, tone }: { label: string; value: ComponentChildren; hint?: string; href?: string; tone?: 'ok' | 'warn' | 'bad' | '' }) => {
  const body = (
    <>
      <span class="figure-label">{label}</span>
      <span class={`figure-value ${tone ?? ''}`}>{value}</span>
      {hint && <span class="figure-hint muted">{hint}</span>}
    </>
  );
  return href ? (
    <a class="figure panel" href={href}>
      {body}
    </a>
  ) : (
    <div class="figure panel">{body}</div>
  );
};
