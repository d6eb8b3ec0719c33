import { STOCK_ALERTS } from '../../src/domain/inventory/stock-alerts.js';
import { expect } from 'chai';
import { NOTIFICATIONS } from '../../src/commands/notifications.js';
import { evolve, initialState, type InventoryEvent } from '../../src/domain/inventory/inventory.js';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import type { Document } from '../../src/infrastructure/read-models/read-model-store.js';
import { SIMULATED_LEDGER } from '../../src/infrastructure/payments/simulated-provider.js';
import { JOBS } from '../../src/processes/jobs.js';
import { NOTIFYING_EVENTS } from '../../src/processes/notifications.js';
import { killServer, runCli, type ServerProcess } from '../support/server-process.js';
import { call, checkoutVia, fairShares, leaseLog, product, readShop, RUNNER_COUNT, sharesOf, shopperWithCart, ShopProcesses, processEnv } from '../support/shop-processes.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { checkedFetch } from '../support/contract.js';

const FINAL = ['Confirmed', 'Failed', 'Cancelled'];

/**
 * One shop, several real server processes on one DATA_DIR: each serves the whole API, each
 * runner (a projection, the order saga, notifications) runs in exactly one of them under a
 * fenced lease, and killing, stalling or adding a process loses no step and doubles no effect.
 */
describe('one shop, many processes (real servers on one DATA_DIR)', function () {
  this.timeout(180_000);
  let dir: ReturnType<typeof tempDir>;
  let shop: ShopProcesses | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await shop?.stop('SIGKILL');
    shop = undefined;
    dir.remove();
  });

  const env = (more: Record<string, string> = {}) => processEnv(dir.path, { PAYMENT_TIMEOUT_MS: '3000', LEASE_MS: '1000', ...more });

  /** Two products, one scarce; shoppers registered through one process, their carts filled through the next. */
  const stockUp = async (shoppers: number) => {
    const servers = shop!.live;
    const admin = await shop!.admin();
    const scarce = await product(servers[0]!, admin, 'SCARCE-1', 8, servers);
    const plenty = await product(servers[1 % servers.length]!, admin, 'PLENTY-1', 500, servers);
    return Promise.all(
      Array.from({ length: shoppers }, (_, i) => {
        const lines = [{ productId: scarce, quantity: 1 }, ...(i % 2 === 0 ? [{ productId: plenty, quantity: 2 }] : [])];
        return shopperWithCart(servers[i % servers.length]!, servers[(i + 1) % servers.length]!, i, lines);
      }),
    );
  };
  const card = (i: number) => (i % 5 === 4 ? 'tok_declined' : 'tok_visa');

  /**
   * Checks out each shopper through the given processes in turn; resolves with the ids of the orders
   * acknowledged (202), and the problem types of the checkouts refused (409: the scarce SKU sold out).
   */
  const storm = (tokens: string[], through: ServerProcess[], acknowledged: string[], offset = 0, refused: string[] = []) =>
    Promise.all(
      tokens.map((token, i) =>
        checkoutVia(through[i % through.length]!, token, card(i + offset))
          .then((res) => {
            if (res.status === 202) acknowledged.push(String(res.body.orderId));
            else if (res.status === 409) refused.push(String(res.body.type));
          })
          .catch(() => undefined), // the process died with the request
      ),
    );

  /** Every order of the shop, once the acknowledged ones are all there and each has reached a final status with any refund owed made. */
  const settled = (via: ServerProcess, acknowledged: string[]) =>
    eventually(async () => {
      const { body } = await call(via, 'GET', '/api/v1/orders?pageSize=100', await shop!.admin());
      const orders = body.items as Array<Record<string, any>>;
      const listed = new Set(orders.map((o) => o.orderId));
      const done = orders.every((o) => FINAL.includes(o.status) && (o.failureReason !== 'out-of-stock' || o.payment.status === 'Refunded'));
      return done && acknowledged.every((id) => listed.has(id)) ? orders : undefined;
    }, 60_000);

  /** Once the processes are down: each payment taken and refunded at most once, one email per fact, stock as the orders say, verify clean. */
  const effectsOnce = async (orders: Array<Record<string, any>>) => {
    const { log, docs } = await readShop(dir.path, [SIMULATED_LEDGER, NOTIFICATIONS, JOBS]);
    const count = (type: string) => countBy(log.filter((e) => e.type === type), (e) => String(e.data.paymentId));
    for (const [paymentId, n] of count('PaymentProcessed')) expect(n, `payment ${paymentId} processed`).to.equal(1);
    for (const [paymentId, n] of count('PaymentRefunded')) expect(n, `payment ${paymentId} refunded`).to.equal(1);
    const ledger = docs[SIMULATED_LEDGER]!;
    expect(ledger.filter((e) => e.kind === 'refund')).to.have.length(sum(count('PaymentRefunded')));
    const captured = ledger.filter((e) => e.kind === 'charge' && (e.result as { outcome: string }).outcome === 'captured');
    expect(captured).to.have.length(sum(count('PaymentProcessed')) + log.filter((e) => e.type === 'PaymentCapturedLate').length);

    expect(emailsOnce(log, docs)).to.deep.equal([]);

    const confirmed = orders.filter((o) => o.status === 'Confirmed');
    for (const sku of ['SCARCE-1', 'PLENTY-1']) {
      const ordered = sum(new Map(confirmed.flatMap((o) => o.lines.filter((l: { sku: string }) => l.sku === sku).map((l: { quantity: number }) => [o.orderId, l.quantity]))));
      expect(reservedOf(log, sku), `${sku} reserved`).to.equal(ordered);
    }
    expect(confirmed.length).to.be.at.most(8);
    const verify = await runCli('projections', ['verify'], { DATA_DIR: dir.path });
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
  };

  /** The notifications process manager has had every fact of the log: each one's email is sent or queued. */
  const emailed = () =>
    eventually(async () => {
      const { log, docs } = await readShop(dir.path, [NOTIFICATIONS, JOBS]);
      return emailsOnce(log, docs).length === 0 ? true : undefined;
    }, 30_000);

  it('loses no step and doubles no effect when the process holding the order saga is killed during a checkout storm', async () => {
    shop = new ShopProcesses(env());
    await shop.start(3);
    await shop.balanced(3);
    const tokens = await stockUp(24);
    const { process: holder, server: victim } = await shop.holder('order-saga');

    const acknowledged: string[] = [];
    const sent = storm(tokens, shop.live, acknowledged);
    await eventually(() => (acknowledged.length >= 8 ? true : undefined), 30_000);
    await killServer(victim, 'SIGKILL');
    await sent;
    const survivors = shop.live;
    expect(survivors).to.have.length(2);

    const successor = await eventually(async () => (await shop!.cluster(survivors[0])).find((p) => p.holds.includes('order-saga') && p.id !== holder.id), 20_000);
    expect(survivors.map((s) => s.port)).to.include(successor.port);
    const orders = await settled(survivors[1]!, acknowledged);
    // Everything the killed process ran now runs in a survivor.
    const running = await shop.balanced(2, survivors[0]);
    const list = (await call(survivors[0]!, 'GET', '/api/v1/admin/projections', await shop.admin())).body as Array<Record<string, any>>;
    for (const runner of list) expect(running.map((p) => p.id), runner.name).to.include(runner.owner);
    await emailed();
    await shop.stop('SIGTERM');
    await effectsOnce(orders);
  });

  it('refuses the first write of a holder woken after another process took its lease over, and applies nothing twice', async () => {
    shop = new ShopProcesses(env());
    await shop.start(3);
    await shop.balanced(3);
    const tokens = await stockUp(18);
    const { process: holder, server: sleeper } = await shop.holder('order-saga');
    const epochOf = async (via: ServerProcess) =>
      ((await call(via, 'GET', '/api/v1/admin/projections', await shop!.admin())).body as Array<Record<string, any>>).find((r) => r.name === 'order-saga')!;
    const before = await epochOf(sleeper);
    expect(before.owner).to.equal(holder.id);
    const awake = shop.live.filter((s) => s !== sleeper);
    const lines = leaseLog(sleeper);

    const acknowledged: string[] = [];
    const soldOut: string[] = [];
    await shop.stopOutsideWrites(sleeper);
    await storm(tokens.slice(0, 9), awake, acknowledged, 0, soldOut);
    const taken = await eventually(async () => {
      const now = await epochOf(awake[0]!);
      return now.owner && now.owner !== holder.id ? now : undefined;
    }, 20_000);
    expect(taken.epoch).to.be.greaterThan(before.epoch);
    await settled(awake[0]!, acknowledged);

    const woke = lines.length;
    sleeper.child.kill('SIGCONT');
    const refused = await eventually(() => lines.slice(woke).find((l) => l.runner === 'order-saga' && /refused/.test(String(l.msg))), 20_000);
    // Its first word about the saga after waking: a write under its old epoch, refused.
    expect(lines.slice(woke).find((l) => l.runner === 'order-saga')).to.equal(refused);
    expect(refused).to.include({ epoch: before.epoch, process: holder.id });
    await eventually(() => lines.slice(woke).find((l) => l.runner === 'order-saga' && l.msg === 'lease lost: its runner stops here'));
    // The refusal shows in the woken process's metrics too.
    const scraped = await (await checkedFetch(`${sleeper.url}/metrics`)).text();
    expect(scraped).to.include('# TYPE cluster_lease_events_total counter');
    expect(scraped).to.match(new RegExp(`cluster_lease_events_total\\{runner="order-saga",event="write-refused",process="${holder.id}"\\} [1-9]`));

    // The woken process serves again, and the saga goes on wherever it runs now.
    await storm(tokens.slice(9), shop.live, acknowledged, 9, soldOut);
    // Every checkout answered: placed, or refused as the scarce SKU ran out (a checkout of a line the log has not enough of).
    expect(acknowledged.length + soldOut.length).to.equal(18);
    expect(soldOut.filter((type) => type !== 'urn:shop:problem:out-of-stock')).to.deep.equal([]);
    const orders = await settled(sleeper, acknowledged);
    await emailed();
    await shop.stop('SIGTERM');
    await effectsOnce(orders);
  });

  it('gives a fourth process its share without a restart, reads one process\'s writes through the others, and takes back at once what a stopped process gave up', async () => {
    // Leases of a minute: whatever moves here moves because it was given back, not because it ran out.
    shop = new ShopProcesses(env({ LEASE_MS: '60000', LEASE_HEARTBEAT_MS: '200' }));
    await shop.start(3);
    expect(sharesOf(await shop.balanced(3))).to.deep.equal(fairShares(3));

    const [fourth] = await shop.start(1);
    const four = await eventually(async () => {
      const processes = await shop!.cluster(fourth);
      return processes.length === 4 && processes.flatMap((p) => p.holds).length === RUNNER_COUNT && sharesOf(processes).join() === fairShares(4).join() ? processes : undefined;
    }, 20_000);
    expect(new Set(four.flatMap((p) => p.holds)).size).to.equal(RUNNER_COUNT);
    // Ready everywhere once the runners that moved are live again, wherever they run.
    for (const server of shop.live) await eventually(async () => ((await call(server, 'GET', '/ready')).status === 200 ? true : undefined));

    // A write answered by one process, read through each of the others with X-Min-Position.
    const admin = await shop.admin();
    const productId = await product(shop.live[0]!, admin, 'SEEN-1', 3);
    const renamed = await call(shop.live[0]!, 'PATCH', `/api/v1/products/${productId}`, admin, { name: 'Seen everywhere' });
    expect(renamed.status).to.equal(200);
    const position = renamed.headers.get('x-position')!;
    const owner = four.find((p) => p.holds.includes('products'))!;
    for (const server of shop.live.filter((s) => s.port !== owner.port)) {
      const read = await call(server, 'GET', `/api/v1/products/${productId}`, undefined, undefined, { 'x-min-position': position });
      expect(read.body.name, `read through ${server.port}`).to.equal('Seen everywhere');
    }

    // A rebuild run by a process that does not hold the read model: its holder carries on in the rebuilt collection.
    const rebuilder = shop.live.find((s) => s.port !== owner.port)!;
    expect((await call(rebuilder, 'POST', '/api/v1/admin/projections/products/rebuild', admin)).status).to.equal(202);
    await eventually(async () => {
      const list = (await call(rebuilder, 'GET', '/api/v1/admin/projections', admin)).body as Array<Record<string, any>>;
      const products = list.find((r) => r.name === 'products')!;
      return products.collection === 'products__v2' && products.status === 'live' ? products : undefined;
    }, 20_000);
    const again = await call(rebuilder, 'PATCH', `/api/v1/products/${productId}`, admin, { name: 'Seen after the rebuild' });
    for (const server of shop.live) {
      const read = await call(server, 'GET', `/api/v1/products/${productId}`, undefined, undefined, { 'x-min-position': again.headers.get('x-position')! });
      expect(read.body.name, `read through ${server.port}`).to.equal('Seen after the rebuild');
    }

    await killServer(fourth!, 'SIGTERM');
    const three = await shop.balanced(3, shop.live[0]);
    expect(sharesOf(three)).to.deep.equal(fairShares(3));
  });
});

/**
 * One email per fact: sent once, or still queued (a job claimed by a killed process waits out
 * its lease); none for anything else. Answers what is wrong.
 */
const emailsOnce = (log: RecordedEvent[], docs: Record<string, Document[]>): string[] => {
  const facts = log.filter((e) => (NOTIFYING_EVENTS as readonly string[]).includes(e.type) && !(e.type === 'PaymentFailed' && e.data.reason === 'voided'));
  // Stock alerts' emails (a SKU's, ids derived per recipient) are not a fact's own: checked apart, below.
  const sent = new Set(docs[NOTIFICATIONS]!.filter((n) => n.sku === undefined).map((n) => n._id));
  const queued = new Set(docs[JOBS]!.map((j) => j._id));
  const wrong = facts.filter((fact) => sent.has(fact.id) === queued.has(`send-notification:${fact.id}`)).map((f) => `${f.type} ${f.id}`);
  const strays = [...sent].filter((id) => !facts.some((f) => f.id === id)).map((id) => `an email for no fact: ${id}`);
  const alerts = new Set(log.filter((e) => (STOCK_ALERTS as readonly string[]).includes(e.type)).map((e) => e.id));
  const pendingAlerts = [...alerts].filter((id) => queued.has(`notify-stock:${id}`)).map((id) => `a stock alert still queued: ${id}`);
  return [...wrong, ...strays, ...pendingAlerts];
};

const countBy = <T>(items: T[], key: (item: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};

const sum = (values: Map<string, number>) => [...values.values()].reduce((a, b) => a + b, 0);

/** A SKU's reserved quantity, folded from its stream with the domain's evolve (never below nothing available). */
const reservedOf = (log: RecordedEvent[], sku: string): number => {
  let state = initialState();
  for (const event of log.filter((e) => e.streamName === `inventory-${sku}`)) {
    state = evolve(state, event as unknown as InventoryEvent);
    if (state.status === 'Tracked') expect(state.onHand - state.reserved, `${sku} after ${event.type}`).to.be.at.least(0);
  }
  if (state.status !== 'Tracked') throw new Error(`${sku} is not tracked`);
  return state.reserved;
};
