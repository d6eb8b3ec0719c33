import { NotFoundError } from '../domain/shared/errors.js';
import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';
import { CheckpointPacer } from '../infrastructure/event-store/checkpoint-pacer.js';
import { refusedByLease, type Fence } from '../cluster/leases.js';
import { LogFollower, StopFollowing, type FollowerStatus } from '../infrastructure/event-store/log-follower.js';
import type { Document, WriteOperation } from '../infrastructure/read-models/read-model-store.js';
import { DeferredCheckpoints } from '../projections/deferred-checkpoints.js';
import { CHECKPOINTS } from '../projections/runner.js';
import type { ProcessRunnerDeps, ProcessRunnerOptions } from './runner-deps.js';
import { dueIn, type Claimant, type ScheduledJob } from './job-documents.js';
import { allSettledOrThrow, groupBy, inParallel } from './concurrency.js';
import { parkedEvent, PARKED_EVENTS, withoutHold, type ParkedEvent } from './parked-events.js';
import { batchWrites, replayWrites, type Outcome } from './runner-writes.js';
import { occurredAt, type Job, type ProcessManager } from './process-manager.js';
import { sendSagaCommand } from './saga-commands.js';
import { sagaMoved, sameSaga, type SagaDocument } from './saga-documents.js';
import { refusedForNow } from '../infrastructure/sqlite-write-lock.js';

/**
 * Feeds a process manager from its checkpoint and carries out its reactions.
 * - Commands get event ids derived from the triggering event (idempotency key
 *   `<manager>:<event id>:<n>`), so a redelivered event appends nothing new. A reaction's
 *   commands are sent at once (one group commit), not one after the other.
 * - Saga state, new and cancelled jobs, parked events and the checkpoint are written in one atomic
 *   bulk write after the batch's commands; a crash before it means the batch is
 *   delivered again, and its commands find their events already there.
 * - Each saga's state is written only if it is still as the batch loaded it (see
 *   saga-documents.ts): when a replay of a parked event changed it meanwhile, the write
 *   fails as a whole, and the batch reacts again on those sagas as they are now and writes
 *   again. Commands sent again keep their ids, so they append nothing twice.
 * - Sagas (e.g. orders) are independent: a batch runs them concurrently, each one's
 *   events in log order.
 * - An event whose handling keeps failing while both stores answer is parked with its
 *   error and the events behind it go on. When a store does not answer, nothing is
 *   parked: the batch is retried until it does.
 * - Under a lease (several processes), that write also carries the lease's guard (see
 *   Fence): once another process has taken the lease over, it fails as a whole and the
 *   runner stops. Commands already sent for the batch find their events there when the new
 *   holder sends them again (their ids derive from the triggering event).
 */

export type { ProcessRunnerDeps, ProcessRunnerOptions } from './runner-deps.js';

/** Times a batch reacts again on sagas that keep changing under it before it gives up (and is delivered again). */
const MAX_REACTIONS = 10;

export class ProcessManagerRunner<S> {
  private readonly follower: LogFollower;
  private readonly pacer = new CheckpointPacer();
  /** Writes the checkpoint the pacer left behind once a quiet second has passed (as the projections' runner does). */
  private readonly deferred: DeferredCheckpoints;
  private position = 0;
  private fence: Fence | undefined;

  constructor(
    private readonly deps: ProcessRunnerDeps,
    readonly manager: ProcessManager<S>,
    private readonly options: ProcessRunnerOptions = {},
  ) {
    // A critical manager's batches are critical work when they hold an event it reacts to.
    const reactsTo = (events: readonly RecordedEvent[]) => events.some((event) => manager.eventTypes.includes(event.type));
    const lane = deps.criticalPath && { path: deps.criticalPath, ...(manager.critical ? { critical: reactsTo } : {}) };
    this.follower = new LogFollower(deps.eventStore, deps.logger.child({ processManager: manager.name }), options.batchSize ?? 200, lane);
    this.deferred = new DeferredCheckpoints(this.pacer.intervalMs, () => this.pacer.behind, () =>
      this.writeDeferredCheckpoint().catch((error: unknown) =>
        deps.logger.warn({ err: error, processManager: manager.name }, 'writing the checkpoint left behind failed; the next batch writes it'),
      ),
    );
  }

  get name(): string {
    return this.manager.name;
  }

  get checkpoint(): number {
    return this.position;
  }

  get status(): FollowerStatus {
    return this.follower.status;
  }

  get caughtUp(): boolean {
    return this.follower.caughtUp;
  }

  /** Why the runner is retrying, failing or failed (see LogFollower). */
  get lastError(): string | undefined {
    return this.follower.lastError;
  }

  /** Starts following from the stored checkpoint; under a lease, with its fence. */
  async start(fence?: Fence): Promise<void> {
    this.fence = fence;
    const stored = await this.deps.readModels.collection<Document & { position: number }>(CHECKPOINTS).findOne({ _id: this.checkpointId });
    this.position = stored?.position ?? 0;
    this.follower.start(this.position, (events) => this.deferred.batch(() => this.apply(events)));
  }

  /**
   * Stops following the log, then writes the checkpoint the pacer left behind: the next holder
   * would otherwise read again up to a second of events that changed nothing here.
   */
  async stop(): Promise<void> {
    await this.follower.stop();
    await this.deferred.stop();
    await this.writeDeferredCheckpoint();
  }

  /**
   * The checkpoint a batch that changed nothing left unwritten, at a clean stop or after a quiet
   * second: on a quiet shop it would otherwise stand behind until the next event (the
   * invariants' snapshot, the operators' lists and the next holder read it). A write the lease
   * refuses is the new holder's to make.
   */
  private async writeDeferredCheckpoint(): Promise<void> {
    if (!this.pacer.behind) return;
    try {
      await this.record(this.writes([], this.position));
      this.pacer.written();
    } catch (error) {
      if (!(error instanceof StopFollowing)) throw error;
    }
  }

  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    return this.position >= position ? Promise.resolve(true) : this.follower.waitFor(position, timeoutMs);
  }

  /** Reacts to a batch of events and records the outcome atomically. */
  async apply(recorded: readonly RecordedEvent[]): Promise<void> {
    const fresh = recorded.filter((e) => e.position > this.position);
    if (fresh.length === 0) return;
    const relevant = fresh.filter((e) => this.manager.eventTypes.includes(e.type)).map((e) => this.deps.schema.upcast(e));
    const groups = groupBy(relevant, (event) => this.manager.sagaId(event));
    const states = await this.loadStates([...groups.keys()]);
    let outcomes = await inParallel([...groups], this.options.concurrency ?? 16, ([sagaId, events]) =>
      this.react(sagaId, states.get(sagaId), events),
    );
    const last = fresh[fresh.length - 1]!.position;
    if (outcomes.length === 0 && this.pacer.mayDefer(fresh.length)) {
      this.position = last;
      return;
    }
    for (let reaction = 1; ; reaction += 1) {
      try {
        await this.record(this.writes(outcomes, last));
        break;
      } catch (error) {
        if (!sagaMoved(error, this.sagaCollection) || reaction >= MAX_REACTIONS) throw error;
        outcomes = await this.reactAgain(outcomes, groups);
      }
    }
    this.pacer.written();
    this.position = last;
    const jobs = outcomes.flatMap((o) => o.jobs);
    if (jobs.length > 0) this.deps.jobsScheduled?.(jobs);
  }

  /**
   * A saga changed since the batch loaded it (a replay of a parked event wrote it): the sagas
   * that did are loaded again and react again to the batch's events on what they are now.
   */
  private async reactAgain(outcomes: Outcome<S>[], groups: Map<string, RecordedEvent[]>): Promise<Outcome<S>[]> {
    const now = await this.loadStates(outcomes.map((o) => o.sagaId));
    const moved = outcomes.filter((o) => !sameSaga(o.loaded, now.get(o.sagaId))).map((o) => o.sagaId);
    this.deps.logger.info({ processManager: this.name, sagas: moved }, 'saga state changed meanwhile (a replay): reacting again on it');
    return inParallel(outcomes, this.options.concurrency ?? 16, (o) =>
      moved.includes(o.sagaId) ? this.react(o.sagaId, now.get(o.sagaId), groups.get(o.sagaId)!) : Promise.resolve(o),
    );
  }

  /** Saga state, jobs and checkpoint go back together after a power cut, and the events come again. */
  private async record(writes: WriteOperation[]): Promise<void> {
    const fence = this.fence;
    try {
      // The lease's guard first: a refused write stops before staging anything else.
      await this.deps.readModels.bulkWrite(fence ? [...fence.guards(), ...writes] : writes, { durable: false });
    } catch (error) {
      if (!fence || !refusedByLease(error)) throw error;
      fence.refused(error);
      throw new StopFollowing(`a write was refused: ${error.message} (another process took the lease over)`);
    }
  }

  /**
   * Replays a parked event on the saga as it stands now. Its commands keep the ids derived
   * from the event, so whatever an earlier attempt did append is not appended again.
   * Resolves false (and records the new error) when it fails again. `holder`: the hold an
   * operator's replay took on the parked event (see ParkedEventHold); its outcome is written
   * only while that hold stands, and a failure again gives it up.
   */
  async replay(parked: ParkedEvent, holder?: string): Promise<{ replayed: boolean; error?: string }> {
    const [stored] = await this.deps.eventStore.readAll({ fromPosition: parked.position, maxCount: 1 });
    if (!stored || stored.id !== parked.eventId) throw new NotFoundError(`event ${parked.eventId} is not in the log`);
    const event = this.deps.schema.upcast(stored);
    const sagaId = this.manager.sagaId(event);
    for (;;) {
      const saga = (await this.loadStates([sagaId])).get(sagaId);
      const handled = await this.handle(saga?.state ?? this.manager.initialState(), event);
      if ('parked' in handled) {
        const again = { ...withoutHold(parked), error: handled.parked.error, attempts: parked.attempts + handled.parked.attempts, lastReplayAt: this.deps.clock().toISOString() };
        await this.deps.readModels.collection<ParkedEvent>(PARKED_EVENTS).replaceOne(holder ? { _id: parked._id, heldBy: holder } : { _id: parked._id }, again);
        return { replayed: false, error: again.error };
      }
      const jobs = handled.jobs.map((job) => this.scheduled(job, event));
      const now = this.deps.clock().toISOString();
      try {
        await this.deps.readModels.bulkWrite(replayWrites(this.sagaCollection, sagaId, saga, { state: handled.state, jobs, cancelled: handled.cancelled ?? [] }, parked, now, holder));
      } catch (error) {
        if (sagaMoved(error, this.sagaCollection)) continue; // the saga moved meanwhile
        throw error;
      }
      if (jobs.length > 0) this.deps.jobsScheduled?.(jobs);
      return { replayed: true };
    }
  }

  private async react(sagaId: string, stored: SagaDocument<S> | undefined, events: RecordedEvent[]): Promise<Outcome<S>> {
    const claimJob = this.deps.claimJob;
    const outcome: Outcome<S> = { sagaId, loaded: stored, state: stored?.state ?? this.manager.initialState(), position: stored?._position ?? 0, jobs: [], cancelled: [], parked: [] };
    for (const event of events) {
      if (event.position <= outcome.position) continue;
      const handled = await this.handle(outcome.state, event);
      if ('parked' in handled) outcome.parked.push(handled.parked);
      else {
        outcome.state = handled.state;
        outcome.jobs.push(...handled.jobs.map((job) => withClaim(this.scheduled(job, event), claimJob)));
        // A job scheduled earlier in this batch and cancelled by a later event of it is never written;
        // the delete still goes (a job of that id written before, which the schedule left as it was, goes too).
        for (const id of handled.cancelled ?? []) {
          outcome.jobs = outcome.jobs.filter((job) => job.id !== id);
          outcome.cancelled.push(id);
        }
      }
      outcome.position = event.position;
    }
    return outcome;
  }

  /** Runs one event's reaction, retrying; parks it when it keeps failing while the stores are up. */
  private async handle(state: S, event: RecordedEvent): Promise<{ state: S; jobs: Job[]; cancelled?: string[] } | { parked: ParkedEvent }> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const reaction = this.manager.react(state, event);
        await allSettledOrThrow(reaction.commands.map((command, index) => sendSagaCommand(this.deps, this.name, command, event, index)));
        return reaction;
      } catch (error) {
        if (attempt < maxAttempts) {
          await new Promise((resolve) => setTimeout(resolve, (this.options.retryDelayMs ?? 100) * attempt));
          continue;
        }
        // A store that refused for now (its disk full, locked) is no fault of the event: the batch is retried, nothing parked.
        if (refusedForNow(error) || !(await this.storesAnswer())) throw error;
        this.deps.logger.error({ err: error, eventId: event.id, processManager: this.name }, 'event parked');
        return { parked: parkedEvent(this.name, this.manager.sagaId(event), event, error, attempt, this.deps.clock()) };
      }
    }
  }

  private async storesAnswer(): Promise<boolean> {
    try {
      await Promise.all([this.deps.eventStore.headPosition(), this.deps.readModels.ping()]);
      return true;
    } catch {
      return false;
    }
  }

  private async loadStates(ids: string[]): Promise<Map<string, SagaDocument<S>>> {
    if (ids.length === 0) return new Map();
    const docs = await this.deps.readModels.collection<SagaDocument<S>>(this.sagaCollection).find({ _id: { $in: ids } }, { readonly: true });
    return new Map(docs.map((doc) => [doc._id, doc]));
  }

  private writes(outcomes: Outcome<S>[], position: number): WriteOperation[] {
    return batchWrites(this.sagaCollection, this.checkpointId, outcomes, position, this.deps.clock().toISOString());
  }

  /** A job of a reaction to `event`, with its origin, falling due as long after it is written as its runAt is after the event (see dueIn). */
  private scheduled(job: Job, event: RecordedEvent): ScheduledJob {
    return { ...withOrigin(job, event), dueInMs: dueIn(job.runAt, Date.parse(occurredAt(event))) };
  }

  private get checkpointId(): string {
    return `process:${this.name}`;
  }

  private get sagaCollection(): string {
    return `saga_${this.name.replace(/-/g, '_')}`;
  }
}

/** A job due at once, claimed as it is written by the runner that will run it (a replay's jobs are not: the runner finds them). */
const withClaim = (job: ScheduledJob, claimJob: (() => Claimant | undefined) | undefined): ScheduledJob => {
  const claimedBy = job.dueInMs === 0 ? claimJob?.() : undefined;
  return claimedBy ? { ...job, claimedBy } : job;
};

/** Jobs carry the correlation of the event that scheduled them, for the audit trail. */
const withOrigin = (job: Job, event: RecordedEvent): Job => ({
  ...job,
  payload: { ...job.payload, correlationId: String(event.metadata.correlationId ?? event.id), causationId: event.id },
});
