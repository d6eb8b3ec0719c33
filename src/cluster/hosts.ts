import { statusLine } from '../infrastructure/event-store/log-follower.js';
import { interruptedRebuilds, REBUILDS, type RebuildStatus } from '../operations/rebuild-claims.js';
import type { ProcessManagerRunner } from '../processes/runner.js';
import { projectionVersion, type Projection } from '../projections/projection.js';
import { CHECKPOINTS, ProjectionRunner, type Checkpoint, type RunnerDeps } from '../projections/runner.js';
import type { Fence, Lease, RunnerReport } from './leases.js';

/**
 * What runs in this process for the leases it holds. The cluster tells a host which leases
 * it holds after every change; the host stops what it no longer holds (before the lease is
 * given back) and starts what it was given, each under a fence of its leases.
 */
export interface RunnerHost {
  readonly names: readonly string[];
  hold(held: readonly Lease[], fence: (leases: readonly Lease[]) => Fence): Promise<void>;
  /** Called at every heartbeat, for what must be looked after now and then. */
  tend?(): Promise<void>;
  /** How a runner running here is doing (for its lease record); undefined when it does not run here. */
  report(name: string): RunnerReport | undefined;
}

const reportOf = (runner: Parameters<typeof statusLine>[0] & { caughtUp: boolean }, position: number): RunnerReport => ({
  status: statusLine(runner),
  caughtUp: runner.caughtUp,
  position,
});

/** Same runners under the same epochs. */
const sameLeases = (running: ReadonlyMap<string, number>, held: readonly Lease[]) =>
  running.size === held.length && held.every((lease) => running.get(lease.runner) === lease.epoch);

/**
 * What the holder of projections looks after besides running them: rebuilds of read models another
 * version folded, and old versions of their collections a rebuild retired and never dropped.
 */
export type Upkeep = {
  rebuildOutdated?: (names: string[]) => Promise<void>;
  dropRetired?: (names: string[]) => Promise<unknown>;
};

/** How often a holder looks again for read models another version folded (an upgrade's rebuild cut short by a dead process) and for retired collections. */
const OUTDATED_EVERY_MS = 60_000;

/**
 * The projections whose leases this process holds, in ONE ProjectionRunner (one follower of
 * the log, one write per batch), replaced by another when the set changes. A process that
 * holds every projection runs them as a single process always did. Read models another
 * version of their projection folded are rebuilt by the process that holds them, and the old
 * versions of their collections a rebuild left are dropped by it: asked when it starts running
 * them, and again now and then.
 */
export class ProjectionHost implements RunnerHost {
  readonly names: readonly string[];
  private runner: ProjectionRunner | undefined;
  private running = new Map<string, number>();
  private askedAt = 0;

  private readonly rebuildOutdated: (names: string[]) => Promise<void>;
  private readonly dropRetired: (names: string[]) => Promise<unknown>;

  constructor(
    private readonly deps: RunnerDeps,
    private readonly projections: readonly Projection[],
    upkeep: Upkeep = {},
    private readonly outdatedEveryMs = OUTDATED_EVERY_MS,
  ) {
    this.names = projections.map((p) => p.name);
    this.rebuildOutdated = upkeep.rebuildOutdated ?? (async () => undefined);
    this.dropRetired = upkeep.dropRetired ?? (async () => undefined);
  }

  /** The projection runner of this process, if it runs any. */
  current(): ProjectionRunner | undefined {
    return this.runner;
  }

  async hold(held: readonly Lease[], fence: (leases: readonly Lease[]) => Fence): Promise<void> {
    const mine = held.filter((lease) => this.names.includes(lease.runner));
    // A runner that stopped itself (a refused write) under leases still held is started again.
    if (this.runner && this.runner.status !== 'stopped' && sameLeases(this.running, mine)) return;
    const previous = this.runner;
    this.runner = undefined;
    this.running = new Map();
    await previous?.stop();
    if (mine.length === 0) return;
    const runner = new ProjectionRunner(this.deps, this.projections.filter((p) => mine.some((l) => l.runner === p.name)), { fence: fence(mine) });
    await runner.start();
    this.runner = runner;
    this.running = new Map(mine.map((lease) => [lease.runner, lease.epoch]));
    this.askedAt = Date.now();
    await this.rebuildOutdated(runner.outdated);
    await this.dropRetired([...this.running.keys()]);
  }

  /**
   * Starts again the rebuilds of its projections that a process cut short (it died or stalled: the
   * claim stays marked running, its heartbeat stopped), and asks again for the rebuild of what is
   * still outdated by its stored checkpoint (the runner's own view waits for its next write).
   */
  async tend(): Promise<void> {
    if (this.running.size === 0) return;
    const rebuilds = await this.deps.readModels.collection<RebuildStatus>(REBUILDS).find({ _id: { $in: [...this.running.keys()] }, status: 'running' });
    const interrupted = interruptedRebuilds(rebuilds, new Date());
    if (interrupted.length > 0) await this.rebuildOutdated(interrupted);
    if (Date.now() - this.askedAt < this.outdatedEveryMs) return;
    this.askedAt = Date.now();
    const stored = await this.deps.readModels.collection<Checkpoint>(CHECKPOINTS).find({ _id: { $in: [...this.running.keys()] } });
    const outdated = stored.filter((c) => {
      const projection = this.projections.find((p) => p.name === c._id);
      return projection !== undefined && c.position > 0 && (c.version ?? 1) !== projectionVersion(projection);
    });
    if (outdated.length > 0) await this.rebuildOutdated(outdated.map((c) => c._id));
    await this.dropRetired([...this.running.keys()]);
  }

  report(name: string): RunnerReport | undefined {
    return this.running.has(name) && this.runner ? reportOf(this.runner, this.runner.checkpointOf(name) ?? 0) : undefined;
  }
}

/** The process managers whose leases this process holds, each started and stopped on its own. */
export class ProcessHost implements RunnerHost {
  readonly names: readonly string[];
  private readonly running = new Map<string, number>();

  constructor(private readonly runners: readonly ProcessManagerRunner<unknown>[]) {
    this.names = runners.map((r) => r.name);
  }

  /** The runner of a process manager, when it runs here. */
  current(name: string): ProcessManagerRunner<unknown> | undefined {
    return this.running.has(name) ? this.runners.find((r) => r.name === name) : undefined;
  }

  async hold(held: readonly Lease[], fence: (leases: readonly Lease[]) => Fence): Promise<void> {
    for (const runner of this.runners) {
      const lease = held.find((l) => l.runner === runner.name);
      const epoch = this.running.get(runner.name);
      if (epoch !== undefined && (epoch !== lease?.epoch || runner.status === 'stopped')) {
        this.running.delete(runner.name);
        await runner.stop();
      }
      if (lease && !this.running.has(runner.name)) {
        await runner.start(fence([lease]));
        this.running.set(runner.name, lease.epoch);
      }
    }
  }

  report(name: string): RunnerReport | undefined {
    const runner = this.current(name);
    return runner ? reportOf(runner, runner.checkpoint) : undefined;
  }
}
