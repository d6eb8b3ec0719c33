/**
 * What a SKU remembers of the orders whose reservation is settled (failed, released,
 * dispatched), so that a late repeat of a saga command decides nothing. They are kept as
 * text, one `;<orderId>=<f|r|d><quantity>` entry each (`%`, `;` and `=` in the id escaped),
 * in batches, so thousands of them are a few strings in a snapshot rather than thousands of
 * objects; the oldest batch is forgotten once the others alone hold SETTLED_ORDERS_KEPT.
 */

export type SettledStatus = 'failed' | 'released' | 'dispatched';
export type SettledBatch = Readonly<{ count: number; entries: string }>;

/** Settled orders remembered per SKU (at least this many, the most recent). */
export const SETTLED_ORDERS_KEPT = 5000;
export const SETTLED_BATCH = 250;

const CODES: Readonly<Record<SettledStatus, string>> = { failed: 'f', released: 'r', dispatched: 'd' };
const STATUSES: Readonly<Record<string, SettledStatus>> = { f: 'failed', r: 'released', d: 'dispatched' };

/** The batches with the order added to the newest, the oldest forgotten when the rest hold enough. */
export const withSettled = (batches: readonly SettledBatch[], orderId: string, status: SettledStatus, quantity: number): SettledBatch[] => {
  const entry = `;${escapeId(orderId)}=${CODES[status]}${quantity}`;
  const next = batches.slice();
  const newest = next[next.length - 1];
  if (newest && newest.count < SETTLED_BATCH) next[next.length - 1] = { count: newest.count + 1, entries: newest.entries + entry };
  else next.push({ count: 1, entries: entry });
  let remembered = next.reduce((sum, batch) => sum + batch.count, 0);
  while (next.length > 1 && remembered - next[0]!.count >= SETTLED_ORDERS_KEPT) remembered -= next.shift()!.count;
  return next;
};

/** How the order was settled, and its quantity, when it is still remembered. */
export const findSettled = (batches: readonly SettledBatch[], orderId: string): { status: SettledStatus; quantity: number } | undefined => {
  const key = `;${escapeId(orderId)}=`;
  for (let i = batches.length - 1; i >= 0; i -= 1) {
    const { entries } = batches[i]!;
    const at = entries.lastIndexOf(key);
    if (at < 0) continue;
    const from = at + key.length;
    const end = entries.indexOf(';', from);
    return { status: STATUSES[entries[from]!]!, quantity: Number(entries.slice(from + 1, end < 0 ? undefined : end)) };
  }
  return undefined;
};

/** An order id as it is written in a settled batch: its `%`, `;` and `=` escaped. */
const escapeId = (orderId: string) => orderId.replace(/[%;=]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
