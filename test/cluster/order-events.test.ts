import { expect } from 'chai';
import { checkoutVia, processEnv, product, shopperWithCart, ShopProcesses } from '../support/shop-processes.js';
import { readEvents, type Sse } from '../support/sse.js';
import { tempDir } from '../support/temp-dir.js';

const statuses = (events: Sse[]) => events.filter((e) => e.event === 'status').map((e) => [e.id, JSON.parse(e.data).status as string]);

/**
 * GET /api/v1/orders/:id/events on a shop of two real processes: any process serves an
 * order's stream, whichever projects the orders; a process stopping ends its streams (it does
 * not wait on them) and the client resumes on the other with Last-Event-ID, losing nothing.
 */
describe('live order events across processes (real servers on one DATA_DIR)', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let shop: ShopProcesses;
  beforeEach(() => {
    dir = tempDir();
    shop = new ShopProcesses(processEnv(dir.path, { PAYMENT_TIMEOUT_MS: '3000', LEASE_MS: '1000' }));
  });
  afterEach(async () => {
    await shop.stop('SIGKILL');
    dir.remove();
  });

  it('streams from the process that does not project the orders, and resumes on another after a stop', async () => {
    await shop.start(2);
    await shop.balanced(2);
    const { server: projector } = await shop.holder('orders');
    const other = shop.live.find((s) => s !== projector)!;
    const admin = await shop.admin();
    const productId = await product(other, admin, 'LIVE-1', 10, shop.live);
    const url = (server: typeof other, orderId: string) => `${server.url}/api/v1/orders/${orderId}/events`;

    // 1. The whole life of an order, on the process whose read models another one writes.
    const first = await shopperWithCart(other, other, 1, [{ productId, quantity: 1 }]);
    const placed = await checkoutVia(other, first);
    expect(placed.status).to.equal(202);
    const whole = await readEvents(url(other, placed.body.orderId), { Authorization: `Bearer ${first}` }, (events) => statuses(events).some(([, s]) => s === 'Confirmed'), 30_000);
    expect(statuses(whole.events)).to.deep.equal([['1', 'Pending'], ['2', 'Paid'], ['3', 'Confirmed']]);

    // 2. A stream is open on `other` when it is stopped: it ends at once, and the process exits cleanly.
    const second = await shopperWithCart(projector, projector, 2, [{ productId, quantity: 1 }]);
    // An admin watches it too (resumed at its end: nothing more to send).
    const streaming = readEvents(url(other, placed.body.orderId), { Authorization: `Bearer ${admin}`, 'Last-Event-ID': '3' }, () => false, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stoppedAt = Date.now();
    other.child.kill('SIGTERM');
    const code = await other.exited;
    const ended = await streaming;
    expect(code).to.equal(0);
    expect(ended.events).to.deep.equal([]);
    expect(Date.now() - stoppedAt, 'the stop did not wait on the open stream').to.be.lessThan(15_000);

    // 3. An order placed now: its first status read, then the rest resumed on the process left.
    const next = await checkoutVia(projector, second);
    expect(next.status).to.equal(202);
    const start = await readEvents(url(projector, next.body.orderId), { Authorization: `Bearer ${second}` }, (events) => events.length >= 1, 10_000);
    expect(statuses(start.events)[0]).to.deep.equal(['1', 'Pending']);
    const resumed = await readEvents(url(projector, next.body.orderId), { Authorization: `Bearer ${second}`, 'Last-Event-ID': '1' }, (events) => statuses(events).some(([, s]) => s === 'Confirmed'), 30_000);
    expect(statuses(resumed.events)).to.deep.equal([['2', 'Paid'], ['3', 'Confirmed']]);
  });
});
