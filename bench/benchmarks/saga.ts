import { availableParallelism } from 'node:os';
import { appendDurableRate } from '../support/durable-append.js';
import { ratioFrom } from '../support/interleave.js';
import { histogram, round, sleep, type BenchOptions, type Metric } from '../support/metrics.js';
import { median, pairsOf, spread } from '../support/pairs.js';
import { client, startShop, type Running } from '../support/processes.js';
import { countOrderCosts, type OrderCosts } from '../support/saga-count.js';
import { sagaFloorChains } from '../support/saga-floor.js';
import { busiestMainThread, perUnit, usageOf } from '../support/process-usage.js';
import { SagaLoad, type Window } from '../support/saga-load.js';
import { SagaWatch } from '../support/saga-watch.js';
import { setUpShop } from '../support/shop-load.js';

/**
 * The order saga's capacity and latency, on the embedded default, against the disk's own.
 *
 * orders_per_s (WORKERS=1, and WORKERS=2 as `npm start` runs it): the highest rate of
 * checkouts (one item into the cart, then checkout) that all reach Confirmed within
 * BOUND_MS and stay there, with no growing backlog. The shop runs as a server process;
 * orders are sent on schedule (open loop); the end of each saga is read from the shop's
 * log (SagaWatch). A window is sustainable when every order was confirmed within the bound
 * and stayed so, the sends kept to the rate, the latency did not grow over the window, and the
 * shop's trailing work (shipments, emails, or a backlog) ended within the bound after it. The
 * rate is searched: a closed-loop estimate (two workers: 80% of one worker's rate), then
 * windows stepping up by 1.3x until one is not sustainable (the first to fail is tried twice),
 * then bisection; the rate found must hold in a second window (else a step lower, held twice).
 * Its anchor is the log's durable capacity, `append_durable` (as append.ts measures it, at its
 * size), measured with the shop at rest before each window (the interleaved pairs):
 * orders_per_s x durable appends per order / append_durable, the share of the log's capacity
 * the saga turns into orders (target >= 25%).
 *
 * checkout_to_confirmed p50/p99 at 50% of orders_per_s (WORKERS=1), beside saga_floor_ms:
 * as many sequential raw durable commits (better-sqlite3, synchronous=FULL) as one order's
 * critical path makes (the median order's), counted in a shop composed in this process
 * (saga-count.ts). Floor blocks and latency windows in pairs, the order alternating; each pair
 * gives a ratio. An order not confirmed within the bound counts at the bound in the
 * percentiles, and neither target is met unless every order was confirmed.
 */

const BOUND_MS = 1000;
/** Where two workers' search starts: this share of one worker's rate. */
const STARTS_BELOW_ONE_WORKER = 0.8;
const CUSTOMERS = 150;
const PRODUCTS = 40;

/**
 * A window, with what its orders cost the shop (CPU and disk writes, per order) and the
 * busiest main thread's share of the window's time (undefined without /proc).
 */
type Measured = Window & { cost: Cost | undefined; mainThread?: number | undefined; drainMs?: number };
type Cost = ReturnType<typeof perUnit>;
/** `estimate`: where the windows started, a closed loop's rate (`startAt` undefined) or the rate given. */
type Search = { rate: number; best: Measured; windows: Measured[]; appends: number[]; estimate: number; given: boolean; resting: Resting | undefined };
/** What the shop costs with nothing to do, per second (all its processes and threads; undefined without /proc). */
type Resting = { cpuMs: number; diskKb: number };

export const sagaBenchmark = async ({ quick }: BenchOptions): Promise<Metric[]> => {
  const seconds = quick ? 3 : 8;
  const costs = await countOrderCosts(quick ? 10 : 30);
  console.error(`   per order: ${JSON.stringify(costs)}`);
  const one = await withShop('1', (load, pid) => searchAndLatency(load, pid, seconds, quick, { criticalPathCommits: costs.criticalPathCommits }));
  // Two workers start their search from one worker's rate (STARTS_BELOW_ONE_WORKER of it) rather
  // than from a closed loop of their own: that estimate came out at 105-130/s where they
  // sustained 206-238, two windows below the first that failed, in the runs before.
  const two = await withShop('2', (load, pid) => searchAndLatency(load, pid, seconds, quick, { startAt: one.search.rate > 0 ? one.search.rate * STARTS_BELOW_ONE_WORKER : undefined }));
  return [throughputMetric('orders_per_s', one.search, costs, quick), throughputMetric('orders_per_s_workers_2', two.search, costs, quick, one.search.rate), ...latencyMetrics(one.latency!, costs)];
};

const withShop = async <T>(workers: string, run: (load: SagaLoad, pid: number) => Promise<T>): Promise<T> => {
  const shop = await startShop({ WORKERS: workers });
  let watch: SagaWatch | undefined;
  try {
    const { admin, products, tokens } = await setUpShop(shop.url, PRODUCTS, CUSTOMERS);
    await serving(shop, admin, Number(workers));
    watch = new SagaWatch(shop.dataDir);
    return await run(new SagaLoad(shop.url, watch, products, tokens, BOUND_MS), shop.server.child.pid!);
  } finally {
    watch?.close();
    await shop.stop();
  }
};

/** Where the search starts (a rate found already: no closed-loop estimate), and whether latency is measured after it (given the critical path's commit count). */
type Plan = { startAt?: number | undefined; criticalPathCommits?: number };

/** The rate search, then (given the critical path's commit count) the latency at half the rate found. */
const searchAndLatency = async (load: SagaLoad, pid: number, seconds: number, quick: boolean, plan: Plan) => {
  const search = await searchRate(load, pid, seconds, quick, plan.startAt);
  // At half the rate found; with none found (no rate held twice), half the lowest rate that held once, so the figure is still of a load the shop carries.
  const carried = search.rate > 0 ? search.rate : Math.min(...search.windows.filter((w) => w.sustainable).map((w) => w.rate), search.estimate);
  const latency = plan.criticalPathCommits === undefined ? undefined : await measureLatency(load, pid, carried / 2, plan.criticalPathCommits, quick);
  return { search, latency };
};

/** Step up by 1.3x from the closed-loop estimate (or `startAt`) until a window is not sustainable, then bisect. */
const searchRate = async (load: SagaLoad, pid: number, seconds: number, quick: boolean, startAt?: number): Promise<Search> => {
  await load.closedLoop(16, 2); // every path compiled (the JIT) before anything is measured
  await load.drain();
  const resting = await restingCost(pid, quick ? 2 : 5);
  const estimate = startAt ?? (await load.closedLoop(32, quick ? 3 : 5));
  if (startAt === undefined) await load.drain();
  const windows: Measured[] = [];
  const appends: number[] = [];
  const trial = async (rate: number) => {
    // The log's own capacity, with the shop at rest (as append.ts measures it, at its size).
    await atRest(pid);
    appends.push(await appendDurableRate(quick ? 10_000 : 20_000));
    const before = usageOf(pid);
    const unconfirmedBefore = load.unconfirmedAfterwards;
    const { latencies: _l, ...measured } = await load.window(rate, seconds);
    const sent = usageOf(pid);
    // The window's orders have all ended (their shipments too): the shop kept up if its trailing work ends within the bound.
    const drainMs = await load.drain();
    const stayed = load.unconfirmedAfterwards === unconfirmedBefore;
    const sustainable = measured.sustainable && stayed && drainMs <= BOUND_MS;
    const w: Measured = { ...measured, sustainable, drainMs, cost: perUnit(before, usageOf(pid), measured.sent), mainThread: busiestMainThread(before, sent) };
    windows.push(w);
    const busy = w.mainThread === undefined ? '' : `, busiest event loop ${round(w.mainThread * 100)}% on a CPU`;
    console.error(`   ${round(rate)}/s offered: ${round(w.rate)}/s sent, p50 ${round(w.p50)} ms, p99 ${round(w.p99)} ms, late ${w.late}, drained in ${round(drainMs)} ms${stayed ? '' : ', an order unconfirmed afterwards'}, ${w.sustainable ? 'sustainable' : 'not sustainable'}${w.cost ? `, ${round(w.cost.cpuMs, 2)} ms CPU and ${round(w.cost.diskKb)} KB written per order` : ''}${busy}`);
    return w;
  };
  let good: Measured | undefined;
  let bad: Measured | undefined;
  let rate = Math.max(5, estimate);
  for (let step = 0; step < 12 && !(good && bad); step += 1) {
    let w = await trial(rate);
    // The first window that fails bounds the search: tried once more at its rate, so that one
    // moment (a WAL started over, a long GC in its last quarter) does not set the answer. A run
    // whose first window (150/s) failed so found 141 orders/s where the same commit's run before
    // sustained 260.
    if (!w.sustainable && !bad) w = (await trial(rate)).sustainable ? windows[windows.length - 1]! : w;
    if (w.sustainable) good = w;
    else bad = w;
    rate = w.sustainable ? rate * 1.3 : rate / 1.3;
  }
  // Bisection (quick: one step; the confirmation below steps down further when the rate found does not hold).
  for (let i = 0; i < (quick ? 1 : 3) && good && bad; i += 1) {
    const w = await trial((good.offered + bad.offered) / 2);
    if (w.sustainable) good = w;
    else bad = w;
  }
  // A rate that held once must hold again, in the window right after: one lucky window does not
  // set the answer either (a failure was given a second try above). Not held: a step lower, which
  // must then hold twice in a row. The figure is the lower of the two windows' rates.
  let confirmed: Measured | undefined;
  let previous = good;
  let candidate = good?.offered;
  for (let tries = 0; candidate !== undefined && tries < 8 && !confirmed; tries += 1) {
    const w = await trial(candidate);
    if (w.sustainable && previous?.sustainable && previous.offered === candidate) confirmed = w.rate < previous.rate ? w : previous;
    else if (!w.sustainable) candidate /= 1.15;
    previous = w;
  }
  while (appends.length < 3) {
    await atRest(pid);
    appends.push(await appendDurableRate(quick ? 10_000 : 20_000));
  }
  const best = confirmed ?? good ?? windows[0]!;
  return { rate: confirmed ? confirmed.rate : 0, best, windows, appends, estimate, given: startAt !== undefined, resting };
};

/** Waits (2 s at most) until the shop's processes use under 5% of a core: the log's capacity is measured with the shop at rest. */
const atRest = async (pid: number): Promise<void> => {
  for (let i = 0; i < 20; i += 1) {
    const before = usageOf(pid);
    await sleep(100);
    const after = usageOf(pid);
    if (!before || !after || after.cpuMs - before.cpuMs < 5) return;
  }
};

/** The shop's CPU and disk writes per second over `seconds` with nothing sent: what it spends at rest (heartbeats, polls). */
const restingCost = async (pid: number, seconds: number): Promise<Resting | undefined> => {
  const before = usageOf(pid);
  await sleep(seconds * 1000);
  const after = usageOf(pid);
  return before && after ? { cpuMs: (after.cpuMs - before.cpuMs) / seconds, diskKb: (after.diskWriteBytes - before.diskWriteBytes) / 1024 / seconds } : undefined;
};

type Latency = {
  all: ReturnType<typeof histogram>;
  floors: number[];
  p50s: number[];
  p99s: number[];
  windows: Measured[];
  rate: number;
  /** Orders placed one at a time first: the latency and cost of the path itself, with no load. */
  unloaded: { p50: number; orders: number; cost: Cost };
  /** The windows' orders confirmed, then failed or cancelled. */
  unconfirmedAfterwards: number;
};

/** Orders one at a time, then latency windows at `rate`, each after a block of raw floor chains. */
const measureLatency = async (load: SagaLoad, pid: number, rate: number, commits: number, quick: boolean): Promise<Latency> => {
  const all = histogram();
  const start = usageOf(pid);
  const placed = quick ? 20 : 40;
  const alone = await load.oneAtATime(placed);
  const unloaded = { p50: median(alone), orders: alone.length, cost: perUnit(start, usageOf(pid), placed) };
  const out: Latency = { all, floors: [], p50s: [], p99s: [], windows: [], rate, unloaded, unconfirmedAfterwards: 0 };
  // Floor blocks and windows in pairs, the order alternating (floor first, then window first, ...).
  for (let i = 0; i < 3; i += 1) {
    if (i % 2 === 0) out.floors.push(median(sagaFloorChains(commits, quick ? 30 : 60)));
    const before = usageOf(pid);
    const unconfirmedBefore = load.unconfirmedAfterwards;
    const { latencies: _l, ...w } = await load.window(rate, quick ? 4 : 8, all);
    const sent = usageOf(pid);
    const drainMs = await load.drain();
    out.unconfirmedAfterwards += load.unconfirmedAfterwards - unconfirmedBefore;
    out.windows.push({ ...w, drainMs, cost: perUnit(before, usageOf(pid), w.sent), mainThread: busiestMainThread(before, sent) });
    out.p50s.push(w.p50);
    out.p99s.push(w.p99);
    if (i % 2 === 1) out.floors.push(median(sagaFloorChains(commits, quick ? 30 : 60)));
  }
  return out;
};

/** CPU ms and disk KB per order as params (none without /proc). */
const costParams = (prefix: string, costs: readonly Cost[]): Record<string, number> => {
  const known = costs.filter((c): c is NonNullable<Cost> => c !== undefined);
  if (known.length === 0) return {};
  return {
    [`${prefix}cpu_ms_per_order`]: round(median(known.map((c) => c.cpuMs)), 2),
    [`${prefix}disk_write_kb_per_order`]: round(median(known.map((c) => c.diskKb))),
  };
};

const throughputMetric = (id: string, search: Search, costs: OrderCosts, quick: boolean, workers1?: number): Metric => {
  const shares = search.appends.map((a) => (search.rate * costs.appends) / a);
  const share = median(shares);
  return {
    id,
    value: round(search.rate),
    unit: 'orders/s',
    anchors: {
      append_durable: round(median(search.appends)),
      durable_appends_per_order: round(costs.appends, 2),
      log_share: round(share, 3),
      ...(workers1 !== undefined ? { workers_1: round(workers1) } : {}),
    },
    ratios: [ratioFrom('append_durable / durable_appends_per_order', shares)],
    target: 'orders_per_s x durable_appends_per_order >= 25% of append_durable (a rate held in two windows)',
    met: search.rate > 0 && share >= 0.25,
    params: {
      log_share_spread: spread(shares, 3),
      append_durable_spread: spread(search.appends, 0),
      bound_ms: BOUND_MS,
      window_s: quick ? 3 : 8,
      [search.given ? 'start_rate' : 'closed_loop_estimate']: round(search.estimate),
      windows: search.windows.map((w) => `${round(w.offered)}${w.sustainable ? '✓' : '✗'}`).join(' '),
      drain_ms: search.windows.map((w) => round(w.drainMs ?? 0)).join(' '),
      p50_ms_at_rate: round(search.best.p50, 1),
      p99_ms_at_rate: round(search.best.p99, 1),
      // The busiest process's main thread (its event loop) in the window at the rate found, and in the first window that was not sustainable.
      ...(search.best.mainThread !== undefined ? { main_thread_pct_at_rate: round(search.best.mainThread * 100) } : {}),
      ...mainThreadOfFirstFailure(search.windows),
      events_per_order: round(costs.events, 2),
      event_store_commits_per_order_alone: round(costs.eventStoreCommits, 2),
      durable_read_model_writes_per_order: round(costs.durableReadModelWrites, 2),
      other_read_model_writes_per_order: round(costs.otherReadModelWrites, 2),
      // What an order cost the shop's processes in the window at the rate found (all threads), and the cores that took.
      ...costParams('', [search.best.cost]),
      ...(search.best.cost ? { shop_cores_at_rate: round((search.best.cost.cpuMs * search.best.rate) / 1000, 2) } : {}),
      // The same processes at rest, before the windows (per second).
      ...(search.resting ? { resting_cpu_ms_per_s: round(search.resting.cpuMs, 1), resting_disk_write_kb_per_s: round(search.resting.diskKb, 1) } : {}),
      cores: availableParallelism(),
    },
  };
};

/** The busiest event loop's share of the windows' time (median of the windows), as a param. */
const mainThreadParam = (windows: readonly Measured[]): Record<string, number> => {
  const known = windows.flatMap((w) => (w.mainThread === undefined ? [] : [w.mainThread]));
  return known.length > 0 ? { main_thread_pct: round(median(known) * 100) } : {};
};

const mainThreadOfFirstFailure = (windows: readonly Measured[]): Record<string, number> => {
  const failed = windows.find((w) => !w.sustainable && w.mainThread !== undefined);
  return failed ? { main_thread_pct_above_rate: round(failed.mainThread! * 100) } : {};
};

const latencyMetrics = (latency: Latency, costs: OrderCosts): Metric[] => {
  const floor = median(latency.floors);
  // Every order of the windows confirmed within the bound and stayed so: else neither target is met (they count at the bound in the percentiles).
  const notConfirmed = latency.windows.reduce((n, w) => n + w.late + w.failed + w.starved, 0);
  const allConfirmed = notConfirmed === 0 && latency.unconfirmedAfterwards === 0;
  const p50 = pairsOf(latency.p50s, latency.floors);
  const p99 = pairsOf(latency.p99s, latency.floors);
  const params = {
    checkouts_per_s: round(latency.rate),
    critical_path_commits: costs.criticalPathCommits,
    critical_path_commits_range: costs.criticalPathRange,
    floor_spread_ms: spread(latency.floors),
    windows: latency.windows.length,
    not_confirmed: notConfirmed,
    unconfirmed_afterwards: latency.unconfirmedAfterwards,
    drain_ms: latency.windows.map((w) => round(w.drainMs ?? 0)).join(' '),
    ...costParams('', latency.windows.map((w) => w.cost)),
    ...mainThreadParam(latency.windows),
    // The same path with nothing else in flight: how much of the ratio is the path itself, not load.
    unloaded_p50_ms: round(latency.unloaded.p50, 2),
    unloaded_ratio: round(latency.unloaded.p50 / floor, 2),
    unloaded_orders: latency.unloaded.orders,
    ...costParams('unloaded_', [latency.unloaded.cost]),
  };
  return [
    {
      id: 'checkout_to_confirmed_p50_ms',
      value: round(latency.all.percentileMs(50), 2),
      unit: 'ms',
      anchors: { saga_floor_ms: round(floor, 2), ratio: round(p50.ratio, 2) },
      ratios: [ratioFrom('saga_floor_ms', p50.ratios)],
      target: '<= 3x saga_floor_ms (median ratio of the pairs), every order confirmed',
      met: p50.ratio <= 3 && allConfirmed,
      params: { ...params, ratio_spread: p50.spread },
    },
    {
      id: 'checkout_to_confirmed_p99_ms',
      value: round(latency.all.percentileMs(99), 2),
      unit: 'ms',
      anchors: { saga_floor_ms: round(floor, 2), ratio: round(p99.ratio, 2) },
      ratios: [ratioFrom('saga_floor_ms', p99.ratios)],
      target: '<= 10x saga_floor_ms (median ratio of the pairs), every order confirmed',
      met: p99.ratio <= 10 && allConfirmed,
      params: { ...params, ratio_spread: p99.spread, max_ms: round(latency.all.percentileMs(100), 2) },
    },
  ];
};

/** Once `count` processes serve behind the shop's port (each has joined the cluster). */
const serving = async (shop: Running, admin: string, count: number): Promise<void> => {
  const call = client(shop.url);
  for (let tries = 0; tries < 600; tries += 1) {
    const { processes } = (await call('GET', '/api/v1/admin/cluster', admin)) as { processes: Array<{ port: number | null }> };
    if (processes.filter((p) => p.port !== null).length >= count) return;
    await sleep(50);
  }
  throw new Error(`${count} workers did not join in time`);
};
