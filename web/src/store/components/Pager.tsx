/** Previous / next and where we are, for a list of `total` items in pages of `pageSize`. */
export const Pager = ({ page, pageSize, total, hrefOf, label }: { page: number; pageSize: number; total: number; hrefOf: (page: number) => string; label: string }) => {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  const around = [...new Set([1, page - 1, page, page + 1, pages])].filter((p) => p >= 1 && p <= pages).sort((a, b) => a - b);
  return (
    <nav class="pager" aria-label={label}>
      {page > 1 ? <a class="button secondary" href={hrefOf(page - 1)} rel="prev">← Previous</a> : <span class="button secondary disabled" aria-hidden="true">← Previous</span>}
      <ol>
        {around.map((p, i) => (
          <li key={p}>
            {i > 0 && around[i - 1]! < p - 1 && <span class="muted" aria-hidden="true">… </span>}
            <a href={hrefOf(p)} aria-current={p === page ? 'page' : undefined} aria-label={`Page ${p}`}>{p}</a>
          </li>
        ))}
      </ol>
      {page < pages ? <a class="button secondary" href={hrefOf(page + 1)} rel="next">Next →</a> : <span class="button secondary disabled" aria-hidden="true">Next →</span>}
    </nav>
  );
};
