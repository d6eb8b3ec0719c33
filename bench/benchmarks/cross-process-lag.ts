import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppendResult, EventStore } from '../../src/infrastructure/event-store/event-store.js';
import type { SqliteEventStoreOptions } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { startShopHere } from '../support/in-process.js';
import { startLoadGenerator } from '../support/load-elsewhere.js';
import { histogram, round, type BenchOptions, type Metric } from '../support/metrics.js';
import { setUpShop } from '../support/shop-load.js';

/**
 * cross_process_lag_p50_ms / _p99_ms: from an append being acknowledged in one process to
 * its event being visible in the read models of every projection run by another process,
 * on the embedded stores (one DATA_DIR), at half the maximum command rate.
 *
 * Process A is the shop, composed in this process as main.js composes it, taking the cart
 * additions of http_command from a load process; it notes when each append is answered.
 * Process B (support/follower-process.ts) runs every projection over A's events.db into a
 * read-model file of its own, and notes when each position became visible there. Both read
 * process.hrtime, one clock for every process of the host, and B hands its notes over at
 * the end, so nothing crosses between them while they are measured.
 *
 * Anchors, from the same run: the same lag inside A (its own projections, as
 * projection_lag_p99_ms measures it), and B again with the commit bell off, left to the
 * data_version poll of 100 ms that told other processes before the bell.
 */

const FOLLOWER = fileURLToPath(new URL('../support/follower-process.js', import.meta.url));

export const crossProcessLag = async ({ quick }: BenchOptions): Promise<Metric[]> => {
  const shop = await startShopHere();
  const dir = tempDir('bench-follower-');
  const generator = startLoadGenerator();
  try {
    const { products, tokens } = await setUpShop(shop.url, 40);
    const max = await generator.run({ url: shop.url, products, tokens, seconds: quick ? 3 : 10 });
    const load = (seconds: number) => generator.run({ url: shop.url, products, tokens, seconds, steadyRate: max.rate / 2 });
    await load(1); // unmeasured: the load process's steady sender compiled before the windows
    const events = join(shop.dataDir, 'events.db');

    const answered = acknowledgements(shop.deps.eventStore, shop.deps.cluster);
    const bell = await follower(events, join(dir.path, 'bell.db'), {});
    const held = await load(quick ? 6 : 30);
    const crossBell = lags(answered.take(), await bell.stop(await shop.deps.eventStore.headPosition()));

    const polled = await follower(events, join(dir.path, 'poll.db'), { crossProcessWake: false, crossProcessPollMs: 100 });
    await load(quick ? 5 : 10);
    const crossPoll = lags(answered.take(), await polled.stop(await shop.deps.eventStore.headPosition()));
    answered.restore();
    const same = answered.sameProcess;

    const params = {
      max_command_rate: round(max.rate),
      held_rate: round(held.rate),
      appends: crossBell.lag.count() + crossBell.unseen,
      unseen: crossBell.unseen,
      p90_ms: round(crossBell.lag.percentileMs(90), 2),
      max_ms: round(crossBell.lag.percentileMs(100), 2),
      same_process_max_ms: round(same.percentileMs(100), 2),
      poll_only_appends: crossPoll.lag.count(),
    };
    const p = (h: ReturnType<typeof histogram>, q: number) => round(h.percentileMs(q), 2);
    return [
      {
        id: 'cross_process_lag_p50_ms',
        value: p(crossBell.lag, 50),
        unit: 'ms',
        anchors: { same_process_p50_ms: p(same, 50), poll_100ms_p50_ms: p(crossPoll.lag, 50) },
        params,
      },
      {
        id: 'cross_process_lag_p99_ms',
        value: p(crossBell.lag, 99),
        unit: 'ms',
        anchors: { same_process_p99_ms: p(same, 99), poll_100ms_p99_ms: p(crossPoll.lag, 99) },
        target: '<= 10 ms',
        met: crossBell.lag.percentileMs(99) <= 10 && crossBell.unseen === 0,
        params,
      },
    ];
  } finally {
    await generator.stop();
    await shop.stop();
    dir.remove();
  }
};

/** When each append of the shop was answered (process.hrtime), and the same-process lag of its own projections. */
const acknowledgements = (eventStore: EventStore, projections: { waitFor(position: number, timeoutMs: number): Promise<boolean> }) => {
  let answered: Array<[number, bigint]> = [];
  const sameProcess = histogram();
  const append = eventStore.appendToStream.bind(eventStore);
  eventStore.appendToStream = async (...args: Parameters<EventStore['appendToStream']>): Promise<AppendResult> => {
    const result = await append(...args);
    const at = process.hrtime.bigint();
    answered.push([result.position, at]);
    void projections.waitFor(result.position, 10_000).then((visible) => {
      if (visible) sameProcess.recordMs(Number(process.hrtime.bigint() - at) / 1e6);
    });
    return result;
  };
  return {
    sameProcess,
    /** The appends answered since the last call. */
    take: () => {
      const taken = answered;
      answered = [];
      return taken;
    },
    restore: () => (eventStore.appendToStream = append),
  };
};

type Applied = Array<[from: number, to: number, atNs: string]>;

/** B: every projection over `events`, into `readModels`, started and caught up. */
const follower = async (events: string, readModels: string, options: Partial<SqliteEventStoreOptions>) => {
  const child = fork(FOLLOWER, [events, readModels, JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const message = () =>
    Promise.race([
      new Promise<{ ready?: true; applied?: Applied }>((resolve) => child.once('message', (m) => resolve(m as { applied?: Applied }))),
      exited.then((code) => Promise.reject(new Error(`the follower process exited with ${code}`))),
    ]);
  await message();
  return {
    /** Stops it once it has `until`; resolves with when it saw each position. */
    stop: async (until: number): Promise<Applied> => {
      const done = message();
      child.send({ until });
      const { applied } = await done;
      await exited;
      return applied ?? [];
    },
  };
};

/** Each answered append's lag to B, from B's notes (ranges of positions, sorted). */
const lags = (answered: Array<[number, bigint]>, applied: Applied) => {
  const lag = histogram();
  let unseen = 0;
  let i = 0;
  for (const [position, at] of answered.sort((a, b) => a[0] - b[0])) {
    while (i < applied.length && applied[i]![1] < position) i += 1;
    const range = applied[i];
    if (!range || range[0] > position) {
      unseen += 1;
      continue;
    }
    // B may apply it before A's own continuation reads the clock: that is no lag at all.
    lag.recordMs(Math.max(0, Number(BigInt(range[2]) - at) / 1e6));
  }
  return { lag, unseen };
};
