import type { Logger } from 'pino';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { JOBS } from './job-documents.js';
import type { WokenJob } from './job-runner-types.js';

/** A claim a job was written with (JobRunner.claimAtOnce), and when its runner was told of it (performance.now()). */
export type HeldClaim = { claim: string; at: number };

/** The jobs of the local queue written with this runner's own claim, not started yet. */
export class ClaimsAtOnce {
  private readonly held = new Map<string, HeldClaim>();

  constructor(private readonly owner: string) {}

  /** A job just scheduled: kept when it was written with this runner's claim. */
  note(job: WokenJob): void {
    if (job.claimedBy?.owner === this.owner) this.held.set(job.id, { claim: job.claimedBy.claim, at: performance.now() });
  }

  /** The claim a job to start now was written with, if this runner's; forgotten here. */
  take(id: string): HeldClaim | undefined {
    const held = this.held.get(id);
    this.held.delete(id);
    return held;
  }

  /** Taken for a start that did not happen (the store failed): still this runner's. */
  putBack(id: string, held: HeldClaim): void {
    this.held.set(id, held);
  }

  /** Jobs told of to a runner that is stopping: those written with its claim (given just before the stop) are let go of at once. */
  async letGo(jobs: ReadonlyArray<WokenJob>, readModels: ReadModelStore, logger: Logger): Promise<void> {
    for (const job of jobs) this.note(job);
    await this.release(readModels, logger);
  }

  /** Lets go of the claims of the jobs never started: free again for the next search, here or elsewhere. */
  async release(readModels: ReadModelStore, logger: Logger): Promise<void> {
    const left = [...this.held];
    this.held.clear();
    if (left.length === 0) return;
    const writes = left.map(([id, { claim }]) => ({ collection: JOBS, updateOne: { filter: { _id: id, owner: this.owner, claim }, update: { $set: { lockedUntil: 0 } } } }));
    await readModels.bulkWrite(writes, { durable: false }).catch((error: unknown) => {
      // Left claimed: taken over once this process has left the live ones (see searchLanes).
      logger.warn({ err: error }, 'could not let go of the jobs claimed as they were scheduled');
    });
  }
}
