import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { DuplicateKeyError, ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { Signal } from '../infrastructure/signal.js';
import { within } from '../infrastructure/within.js';
import { plan } from './balance.js';
import type { RunnerHost } from './hosts.js';
import { bearsToken, fenceOf, LeaseStore, type Fence, type Lease, type LeaseState } from './leases.js';
import { Membership, type Member, type MemberLoad, type Self } from './members.js';

/**
 * This process's part in a shop of many: the loop that owns time. Every heartbeat it renews
 * its leases (reporting how their runners are doing), says it is alive, and balances (see
 * balance.ts): gives back its surplus, claims free or expired leases. Hosts run what it
 * holds. A lease whose renewal or guarded write is refused is lost: its runner stops and
 * this process carries on with the rest. A clean stop gives everything back at once.
 * Safety is the writes' (conditional on the epoch); this loop only decides when to try.
 */

export type ClusterOptions = {
  leaseMs: number;
  heartbeatMs: number;
  pid: number;
  host: string;
  /** This process's id in the shop (the owner of its leases and job claims); random unless given. */
  id?: string;
  /** How far behind this process is (its job runner, the order saga if it runs here), told with every beat. */
  report?: () => Promise<MemberLoad>;
};

export type LeaseEvent = 'claimed' | 'taken-over' | 'released' | 'lost' | 'write-refused';

/** How long a beat waits for the measure of this process's load before it tells the last one. */
const REPORT_WITHIN_MS = 200;

/** Ticks between two clean-ups of long-gone processes. */
const FORGET_EVERY = 100;

export class Cluster {
  readonly id: string;
  private readonly leases: LeaseStore;
  private readonly membership: Membership;
  private readonly held = new Map<string, Lease>();
  private readonly counts = new Map<string, number>();
  private readonly wake = new Signal();
  private serial: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> | undefined;
  private stopping = false;
  private ticks = 0;
  private readonly warnedOf = new Set<string>();
  /** What the last beat told of this process's load. */
  private lastLoad: MemberLoad | undefined;

  constructor(
    private readonly deps: { store: ReadModelStore; logger: Logger },
    private readonly options: ClusterOptions,
    private readonly hosts: readonly RunnerHost[],
  ) {
    this.id = options.id ?? randomUUID();
    this.leases = new LeaseStore(deps.store, options.leaseMs);
    const self: Self = { id: this.id, pid: options.pid, host: options.host, startedAt: new Date().toISOString() };
    this.membership = new Membership(deps.store, options.leaseMs, self);
  }

  get runners(): string[] {
    return this.hosts.flatMap((host) => [...host.names]);
  }

  /** Registers, takes what is free (everything, when alone) and runs it; then keeps doing so every heartbeat. */
  async start(): Promise<void> {
    this.stopping = false;
    await this.serially(() => this.tick());
    this.loop = this.run();
  }

  /** The port to show in the list of processes. */
  listening(port: number): void {
    this.membership.listening(port);
    // A stop asked for while the server was still starting has left the list already: it must not come back in.
    void this.serially(async () => (this.stopping ? undefined : this.membership.beat(this.lastLoad))).catch(() => undefined);
  }

  /**
   * Stops every runner here, leaves, then gives every lease back in one write: others take over
   * at once. Leaving first: a process seen live while it holds nothing would count as one
   * starving for work, and the others would give it runners back, to take them again a
   * heartbeat later.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake.notify();
    await this.loop;
    await this.serially(async () => {
      const all = [...this.held.values()];
      this.held.clear();
      await this.applyToHosts();
      try {
        await this.membership.leave();
        await this.leases.release(all);
        for (const lease of all) this.note('released', lease, { reason: 'stopping' });
      } catch (error) {
        // The runners are stopped: their leases run out by themselves.
        this.deps.logger.warn({ err: error }, 'could not give the leases back; they run out in a lease\'s length');
      }
    });
  }

  /** The leases this process holds. */
  heldLeases(): Lease[] {
    return [...this.held.values()];
  }

  listLeases(): Promise<LeaseState[]> {
    return this.leases.list();
  }

  liveMembers(): Promise<Member[]> {
    return this.membership.live();
  }

  /** How many claims, takeovers, releases, losses and refused writes this process saw, per runner. */
  leaseEvents(): Array<{ runner: string; event: LeaseEvent; count: number }> {
    return [...this.counts].map(([key, count]) => {
      const [runner, event] = key.split('\u0000') as [string, LeaseEvent];
      return { runner, event, count };
    });
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      await this.sleep(this.options.heartbeatMs);
      if (this.stopping) return;
      await this.serially(() => this.tick()).catch((error: unknown) => this.deps.logger.warn({ err: error }, 'cluster heartbeat failed; trying again'));
    }
  }

  private async tick(): Promise<void> {
    this.ticks += 1;
    await this.renewAll();
    const [members, leases] = await Promise.all([this.membership.live(), this.leases.list()]);
    this.warnOfMismatch(members);
    const holders = new Map(leases.flatMap((l) => (l.held && l.owner ? [[l._id, l.owner] as const] : [])));
    for (const runner of this.held.keys()) holders.set(runner, this.id);
    const decided = plan({ me: this.id, runners: this.runners, live: members.map((m) => m._id), holders });
    if (decided.release.length > 0) await this.giveBack(decided.release);
    else if (decided.take > 0) await this.claim(decided.claim, decided.take, leases);
    // Every heartbeat, not only after a change: a runner whose start failed (a store that did not
    // answer) would otherwise stay down under a lease held and renewed here. Hosts change only what differs.
    await this.applyToHosts();
    for (const host of this.hosts) await host.tend?.();
    if (this.ticks % FORGET_EVERY === 0) await this.membership.forgetGone();
  }

  /** Says once per process met that it runs with another LEASE_MS: every process of a shop must use the same one. */
  private warnOfMismatch(members: readonly Member[]): void {
    for (const other of this.membership.mismatched(members)) {
      if (this.warnedOf.has(other._id)) continue;
      this.warnedOf.add(other._id);
      this.deps.logger.warn(
        { process: other._id, theirLeaseMs: other.leaseMs, ourLeaseMs: this.options.leaseMs },
        'another process of this shop runs with a different LEASE_MS: give every process the same one, or work moves back and forth between them',
      );
    }
  }

  /**
   * Renews every lease held here and says this process is alive, in one write; a lease whose
   * renewal was refused was taken over (this process stalled past it).
   */
  private async renewAll(): Promise<void> {
    const renewals = [...this.held.values()].map((lease) => ({ lease, report: this.hosts.map((host) => host.report(lease.runner)).find((r) => r !== undefined) }));
    const load = await this.load();
    const refused = await this.leases.renewAll(renewals, [this.membership.beatOperation(load)]);
    for (const lease of refused) this.note('write-refused', lease, { write: 'renewal' });
    await this.lose(refused, 'renewal refused');
  }

  /**
   * What this process tells with its beat, measured now, within a short time: a store slow to
   * answer the measure must not hold the renewals back (every lease would run out). Late or
   * failed, the last measure is told again.
   */
  private async load(): Promise<MemberLoad | undefined> {
    if (!this.options.report) return undefined;
    try {
      this.lastLoad = await within(this.options.report(), REPORT_WITHIN_MS);
    } catch {
      // Told as last measured.
    }
    return this.lastLoad;
  }

  private async claim(candidates: readonly string[], take: number, seen: readonly LeaseState[]): Promise<void> {
    let taken = 0;
    for (const runner of candidates) {
      if (taken >= take || this.stopping) break;
      const before = seen.find((l) => l._id === runner);
      const lease = await this.leases.claim(runner, this.id, before?.epoch ?? 0);
      if (!lease) continue;
      taken += 1;
      this.held.set(runner, lease);
      // An owner whose lease ran out without giving it back died or stalled: this is a takeover.
      if (before?.owner) this.note('taken-over', lease, { from: before.owner });
      else this.note('claimed', lease);
    }
  }

  /** Surplus: stopped here first, then given back (its runner's last writes are still under the lease). */
  private async giveBack(runners: readonly string[]): Promise<void> {
    const leases = runners.flatMap((runner) => this.held.get(runner) ?? []);
    for (const lease of leases) this.held.delete(lease.runner);
    await this.applyToHosts();
    await this.leases.release(leases);
    for (const lease of leases) this.note('released', lease, { reason: 'balance' });
  }

  /** Leases this process no longer holds: their runners stop; what they might still write is refused. */
  private async lose(leases: readonly Lease[], reason: string): Promise<void> {
    const lost = leases.filter((lease) => this.held.get(lease.runner)?.epoch === lease.epoch);
    if (lost.length === 0) return;
    for (const lease of lost) {
      this.held.delete(lease.runner);
      this.note('lost', lease, { reason });
    }
    await this.applyToHosts();
  }

  private applyToHosts(): Promise<void> {
    const held = [...this.held.values()];
    return this.hosts.reduce((done, host) => done.then(() => host.hold(held, this.fence)), Promise.resolve());
  }

  private readonly fence = (leases: readonly Lease[]): Fence => fenceOf(leases, (error) => this.refused(leases, error));

  /**
   * A runner's write was refused by a lease guard. Called from inside the runner (which then
   * stops itself), so the leases are looked at afterwards: those no longer this epoch's are lost.
   */
  private refused(leases: readonly Lease[], error: DuplicateKeyError): void {
    const named = leases.find((lease) => lease.runner === error.key._id);
    for (const lease of named ? [named] : leases) this.note('write-refused', lease, { write: 'batch' });
    void this.serially(async () => {
      const stored = new Map((await this.leases.list()).map((l) => [l._id, l]));
      const gone = leases.filter((lease) => !bearsToken(stored.get(lease.runner), lease));
      // A runner stopped by its refused write must not stay down under the leases still held: restart it.
      await this.lose(gone, 'write refused');
      if (gone.length === 0) await this.applyToHosts();
    }).catch((e: unknown) => this.deps.logger.warn({ err: e }, 'could not check the leases after a refused write'));
  }

  private note(event: LeaseEvent, lease: Lease, details: Record<string, unknown> = {}): void {
    const key = `${lease.runner}\u0000${event}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    const messages: Record<LeaseEvent, string> = {
      claimed: 'lease claimed',
      'taken-over': 'lease taken over from a process that stopped renewing it',
      released: 'lease released',
      lost: 'lease lost: its runner stops here',
      'write-refused': 'a write under an old lease epoch was refused: another process took the lease over',
    };
    this.deps.logger.info({ runner: lease.runner, epoch: lease.epoch, process: this.id, ...details }, messages[event]);
  }

  /** One change of the held leases at a time: ticks, losses and the stop never interleave. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.serial.then(work, work);
    this.serial = next.catch(() => undefined);
    return next;
  }

  private async sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.wake.wait(), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }
}
