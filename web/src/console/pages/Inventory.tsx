import { useLocation } from 'preact-iso';
import { useRef, useState } from 'preact/hooks';
import { Attempt } from '../../shared/api.js';
import { Badge, Empty, Errors, Loading, PageHead, Pager, PastTheEnd, count } from '../components/ui.js';
import { askedPage, pageOf, useAction, useLoad, useTitle } from '../hooks.js';
import { api, path } from '../session.js';
import type { Paged, StockLevel } from '../types.js';

const PAGE_SIZE = 25;

/** Stock levels (GET /inventory, lowest availability first), low stock only on demand; thresholds and receipts per SKU. */
export const InventoryPage = () => {
  useTitle('Inventory');
  const { query, route } = useLocation();
  const low = query.low === 'true';
  const page = pageOf(query.page);
  const { data, error, loading, reload } = useLoad((signal) => api.get<Paged<StockLevel>>('/inventory', { low: low ? 'true' : undefined, page, pageSize: PAGE_SIZE }, signal), [low, page]);
  const [said, setSaid] = useState<string | null>(null);
  const changed = (text: string) => {
    setSaid(text);
    reload();
  };
  return (
    <>
      <PageHead title="Inventory">
        <label class="inline-check">
          <input type="checkbox" checked={low} onChange={(e) => route(path(`/inventory${e.currentTarget.checked ? '?low=true' : ''}`))} /> Low stock only
        </label>
      </PageHead>
      <Errors lines={error} />
      <div aria-live="polite">{said && <p class="alert success">{said}</p>}</div>
      {!data && loading && <Loading what="stock levels" />}
      {data && data.total === 0 && <Empty>{low ? 'Nothing is below its threshold.' : 'No stock recorded yet.'}</Empty>}
      {data && data.items.length === 0 && data.total > 0 && (
        <PastTheEnd page={askedPage(query.page)} list={`the ${low ? 'low ' : ''}stock levels (${count(data.total, 'SKU')})`} first={path(`/inventory${low ? '?low=true' : ''}`)} />
      )}
      {data && data.items.length > 0 && (
        <div class="panel flush">
          <table class="data">
            <caption class="visually-hidden">Stock levels, lowest availability first</caption>
            <thead>
              <tr>
                <th scope="col">SKU</th>
                <th scope="col" class="num">On hand</th>
                <th scope="col" class="num">Reserved</th>
                <th scope="col" class="num">Available</th>
                <th scope="col">State</th>
                <th scope="col">Low-stock threshold</th>
                <th scope="col">Receive goods</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((level) => (
                <StockRow key={level.sku} level={level} onChanged={changed} />
              ))}
            </tbody>
          </table>
          <Pager label="Stock levels" page={data.page} pageSize={data.pageSize} total={data.total} onPage={(p) => route(path(`/inventory?${low ? 'low=true&' : ''}page=${p}`))} />
        </div>
      )}
    </>
  );
};

const StockRow = ({ level, onChanged }: { level: StockLevel; onChanged: (text: string) => void }) => {
  const [threshold, setThreshold] = useState(String(level.threshold));
  const [quantity, setQuantity] = useState('');
  const action = useAction();
  const receipt = useRef(new Attempt());
  const saveThreshold = async (event: Event) => {
    event.preventDefault();
    const saved = await action.run(() => api.put<StockLevel>(`/inventory/${encodeURIComponent(level.sku)}/threshold`, { threshold: Number(threshold) }));
    if (saved) onChanged(`${level.sku}: threshold set to ${saved.threshold}${saved.lowStock ? ' (now below it)' : ''}.`);
  };
  const receive = async (event: Event) => {
    event.preventDefault();
    const saved = await action.run(() => receipt.current.run((idempotencyKey) => api.post<StockLevel>(`/inventory/${encodeURIComponent(level.sku)}/receipts`, { quantity: Number(quantity) }, { idempotencyKey })));
    if (!saved) return;
    setQuantity('');
    onChanged(`${level.sku}: received ${quantity}; ${saved.available} available.`);
  };
  const id = level.sku.replace(/[^A-Za-z0-9_-]/g, '_');
  return (
    <tr>
      <th scope="row" class="mono">
        {level.sku}
        {level.waiting > 0 && <div class="muted small">{level.waiting} waiting to be told</div>}
      </th>
      <td class="num">{level.onHand}</td>
      <td class="num">{level.reserved}</td>
      <td class="num strong">{level.available}</td>
      <td>{level.outOfStock ? <Badge status="Out of stock" tone="bad" /> : level.lowStock ? <Badge status="Low" tone="warn" /> : <Badge status="OK" tone="ok" />}</td>
      <td>
        <form class="inline-form" onSubmit={saveThreshold}>
          <label class="visually-hidden" for={`threshold-${id}`}>
            Low-stock threshold for {level.sku}
          </label>
          <input id={`threshold-${id}`} type="number" min={0} max={1000000} required value={threshold} onInput={(e) => setThreshold(e.currentTarget.value)} class="num-input" />
          <button type="submit" class="secondary small" disabled={action.busy || threshold === String(level.threshold)}>
            Save
          </button>
        </form>
      </td>
      <td>
        <form class="inline-form" onSubmit={receive}>
          <label class="visually-hidden" for={`receive-${id}`}>
            Quantity of {level.sku} received
          </label>
          <input id={`receive-${id}`} type="number" min={1} max={1000000} required placeholder="qty" value={quantity} onInput={(e) => setQuantity(e.currentTarget.value)} class="num-input" />
          <button type="submit" class="secondary small" disabled={action.busy} aria-label={`Receive ${level.sku}`}>
            Receive
          </button>
        </form>
        <Errors lines={action.error} />
      </td>
    </tr>
  );
};
