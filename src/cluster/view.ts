import type { EventSchema } from '../domain/shared/event-schema.js';
import type { EventStore } from '../infrastructure/event-store/event-store.js';
import { statusLine, type FollowerStatus } from '../infrastructure/event-store/log-follower.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import type { Projection } from '../projections/projection.js';
import { CHECKPOINTS, type Checkpoint, type ProjectionRunner } from '../projections/runner.js';
import type { Lease, LeaseState } from './leases.js';
import type { Member } from './members.js';
import { QuietScans } from './quiet-scans.js';

/**
 * The shop's runners as any process sees them, whether it runs them or not: what the HTTP
 * edge serves (read-your-writes, /ready, the admin lists, /metrics). A runner running here
 * speaks for itself; one running elsewhere is read from the store: its checkpoint, and the
 * status its holder reported with its last renewal.
 */

export type RunnerKind = 'projection' | 'process-manager';

export type RunnerState = {
  name: string;
  kind: RunnerKind;
  /** The process running it; null when none does (its lease is free, or ran out). */
  owner: string | null;
  /** Its lease's epoch (null: never leased). */
  epoch: number | null;
  /**
   * Where it stands: here, a process manager's own position; else its stored checkpoint, or
   * the position its holder reported at its last renewal when that is further (a checkpoint
   * is not written while there is nothing to write).
   */
  position: number;
  /** A projection's collection, as its checkpoint names it. */
  collection?: string;
  /** `live`, `catching-up`, `failing: <error>`..., or `unassigned` when no process runs it. */
  status: string;
  caughtUp: boolean;
};

export type ProcessInfo = { id: string; pid: number; host: string; port: number | null; startedAt: string; lastSeenAt: string; holds: string[] };

export type LeaseEventCount = { runner: string; event: string; count: number };

export interface ClusterView {
  /** This process's id among the shop's processes. */
  readonly processId: string;
  /** Resolves true once every read model of the shop has processed `position`, false after `timeoutMs`. */
  waitFor(position: number, timeoutMs: number): Promise<boolean>;
  runners(): Promise<RunnerState[]>;
  /** The live processes and what each holds. */
  processes(): Promise<ProcessInfo[]>;
  /** The leases this process holds. */
  holds(): string[];
  /** Claims, takeovers, releases, losses and refused writes this process has seen. */
  leaseEvents(): LeaseEventCount[];
}

/** Where a process learns about leases and peers: the cluster (or, in tests, a process that runs everything itself). */
export interface ClusterSource {
  readonly id: string;
  heldLeases(): Lease[];
  listLeases(): Promise<LeaseState[]>;
  liveMembers(): Promise<Member[]>;
  leaseEvents(): LeaseEventCount[];
}

type LocalProcess = { checkpoint: number; status: FollowerStatus; lastError: string | undefined; caughtUp: boolean };

/** What runs in this process now. */
export type LocalRunners = {
  projections(): ProjectionRunner | undefined;
  process(name: string): LocalProcess | undefined;
};

export type BoardDeps = { store: ReadModelStore; eventStore: EventStore; schema: EventSchema };

/** The position a lease's holder reported, while it holds it. */
const reported = (lease: LeaseState | undefined): number => (lease?.held ? (lease.position ?? 0) : 0);

export class RunnerBoard implements ClusterView {
  private readonly scans: QuietScans;
  private stored: { at: number; checkpoints: Promise<Map<string, Checkpoint>> } | undefined;

  constructor(
    private readonly deps: BoardDeps,
    private readonly source: ClusterSource,
    private readonly local: LocalRunners,
    private readonly projections: readonly Projection[],
    private readonly processNames: readonly string[],
    private readonly options: {
      /** How often a wait for other processes' projections looks at their checkpoints again. */
      pollMs?: number;
      /** Told of the checkpoints read, and when (the query views follow the collections they name). */
      checkpointsRead?: (checkpoints: Checkpoint[], readAt: number) => void;
    } = {},
  ) {
    this.scans = new QuietScans(deps, () => this.pollMs);
  }

  private get pollMs(): number {
    return this.options.pollMs ?? 5;
  }

  get processId(): string {
    return this.source.id;
  }

  holds(): string[] {
    return this.source.heldLeases().map((lease) => lease.runner);
  }

  leaseEvents(): LeaseEventCount[] {
    return this.source.leaseEvents();
  }

  async waitFor(position: number, timeoutMs: number): Promise<boolean> {
    const local = this.local.projections();
    // Every projection runs here (one process, as always): its follower answers.
    if (local && local.projections.length === this.projections.length) return local.waitFor(position, timeoutMs);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.reached(position)) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.pollMs, left)));
    }
  }

  /**
   * Whether every projection reflects `position`: it has processed it (here, or by its stored
   * checkpoint), or none of its events lies between its checkpoint and it (QuietScans). A
   * holder writes a projection's checkpoint only with the batches that give it events (the
   * others' at the pacer's pace), and the events of another projection must not keep a
   * reader waiting.
   */
  private async reached(position: number): Promise<boolean> {
    const local = this.local.projections();
    const checkpoints = await this.checkpoints();
    const behind: Array<{ projection: Projection; at: number }> = [];
    for (const projection of this.projections) {
      const here = local?.checkpointOf(projection.name) ?? 0;
      const at = Math.max(here, checkpoints.get(projection.name)?.position ?? 0);
      if (at < position) behind.push({ projection, at });
    }
    return behind.length === 0 || this.scans.quiet(behind, position);
  }

  /** The stored checkpoints, read at most once per poll for every waiting reader together. */
  private checkpoints(fresh = false): Promise<Map<string, Checkpoint>> {
    if (fresh || !this.stored || Date.now() - this.stored.at >= this.pollMs) {
      const readAt = Date.now();
      const checkpoints = this.deps.store
        .collection<Checkpoint>(CHECKPOINTS)
        .find({})
        .then((all) => {
          this.options.checkpointsRead?.(all, readAt);
          return new Map(all.map((c) => [c._id, c]));
        });
      this.stored = { at: readAt, checkpoints };
      checkpoints.catch(() => (this.stored = undefined));
    }
    return this.stored.checkpoints;
  }

  async runners(): Promise<RunnerState[]> {
    const [checkpoints, leases] = await Promise.all([this.checkpoints(true), this.source.listLeases()]);
    const byRunner = new Map(leases.map((lease) => [lease._id, lease]));
    const local = this.local.projections();
    const projections = this.projections.map((p): RunnerState => {
      const checkpoint = checkpoints.get(p.name);
      const here = local && local.checkpointOf(p.name) !== undefined ? local : undefined;
      // The stored checkpoint is the truth for a projection (a rebuild, in any process, moves it), or what its holder reported.
      const position = Math.max(checkpoint?.position ?? 0, here ? 0 : reported(byRunner.get(p.name)));
      return { name: p.name, kind: 'projection', ...this.holder(p.name, byRunner.get(p.name), here), position, collection: checkpoint?.collection ?? p.collection };
    });
    const processes = this.processNames.map((name): RunnerState => {
      const here = this.local.process(name);
      const position = here ? here.checkpoint : Math.max(checkpoints.get(`process:${name}`)?.position ?? 0, reported(byRunner.get(name)));
      return { name, kind: 'process-manager', ...this.holder(name, byRunner.get(name), here), position };
    });
    return [...projections, ...processes];
  }

  private holder(name: string, lease: LeaseState | undefined, here: Omit<LocalProcess, 'checkpoint'> | undefined) {
    if (here) {
      const held = this.source.heldLeases().find((l) => l.runner === name);
      return { owner: this.source.id, epoch: held?.epoch ?? lease?.epoch ?? null, status: statusLine(here), caughtUp: here.caughtUp };
    }
    if (lease?.held) return { owner: lease.owner, epoch: lease.epoch, status: lease.status ?? 'starting', caughtUp: lease.caughtUp === true };
    return { owner: null, epoch: lease?.epoch ?? null, status: 'unassigned', caughtUp: false };
  }

  async processes(): Promise<ProcessInfo[]> {
    const [members, leases] = await Promise.all([this.source.liveMembers(), this.source.listLeases()]);
    return members.map((m) => ({
      id: m._id,
      pid: m.pid,
      host: m.host,
      port: m.port,
      startedAt: m.startedAt,
      lastSeenAt: new Date(m.lastSeenAt).toISOString(),
      holds: leases.filter((l) => l.held && l.owner === m._id).map((l) => l._id),
    }));
  }
}
