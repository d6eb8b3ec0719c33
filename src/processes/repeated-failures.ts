import type { Logger } from 'pino';
import { isDamage } from '../infrastructure/event-store/file-damage.js';

/**
 * A loop's failure that comes back every turn (the job runner looks for due jobs every second):
 * logged once, then the same failure at most once every `everyMs`, with how many times it came
 * between (a damaged document logged its stack every second, and said nothing of what to do). A
 * failure that is damage of a store's file (SQLite's codes; a read model document that is no
 * document) says what to do: the read models' file is rebuilt from the log once deleted.
 */
export class RepeatedFailures {
  private last: { message: string; at: number; since: number } | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    private readonly everyMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  report(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const at = this.now();
    if (this.last?.message === message && at - this.last.at < this.everyMs) {
      this.last.since += 1;
      return;
    }
    const repeated = this.last?.message === message ? { repeatedSinceLastLogged: this.last.since } : {};
    this.last = { message, at, since: 0 };
    const damaged = isDamage(error)
      ? `: the read models' file (read-models.db) is damaged: with every process of the shop stopped, delete it (with read-models.db-wal and read-models.db-shm) to have it rebuilt from the event log at the next start, or restore it from a backup`
      : '';
    this.logger.error({ err: error, ...repeated }, `${this.what}${damaged}`);
  }

  /** The loop went round without it: the next failure is logged at once. */
  recovered(): void {
    this.last = undefined;
  }
}
