import type { ReadModelCollection } from '../infrastructure/read-models/read-model-store.js';
import type { JobDocument } from './job-documents.js';

/**
 * Finished jobs leave the queue together: the jobs that finish in one turn of the event loop
 * are deleted by one write (without an fsync, as each one's delete was: a power cut can only
 * make a job run again, which every handler bears). Under load, many jobs finish in a turn;
 * each write of the embedded store is a transaction of its own.
 */
export class JobCompletions {
  private pending: string[] = [];
  private batch: Promise<void> | undefined;

  constructor(private readonly jobs: () => ReadModelCollection<JobDocument>) {}

  /** Resolves once the job is out of the queue; rejects when the write failed (the job then runs again). */
  done(id: string): Promise<void> {
    this.pending.push(id);
    return (this.batch ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.write()));
  }

  private async write(): Promise<void> {
    const ids = this.pending;
    this.pending = [];
    this.batch = undefined;
    await this.jobs().deleteMany({ _id: { $in: ids } }, { durable: false });
  }
}
