import type { EventSchema } from '../domain/shared/event-schema.js';
import type { EventStore } from '../infrastructure/event-store/event-store.js';
import type { Projection } from '../projections/projection.js';

/** Events read at a time when looking for projections' next events. */
const SCAN_PAGE = 256;

/** Nothing of a projection's in the log over (from, quietTo]; `next`: the position of its first event after `from`, once found. */
type Scan = { from: number; quietTo: number; next?: number };

/**
 * Whether projections whose checkpoints stand before a position have anything to do up to it:
 * none of their events lies between (a runner writes a projection's checkpoint with the
 * batches that give it events; the others' at the pacer's pace, see CheckpointPacer). What
 * was found is kept per projection and only the log after it is read on the next call; one
 * pass reads each event once for all the projections that wait on it, and a checkpoint that
 * moves on within what was found quiet keeps it.
 */
export class QuietScans {
  private readonly scans = new Map<string, Scan>();
  /** The end of the log as last found, and when: a position past it is not looked for again within `pollMs`. */
  private end = { position: 0, at: 0 };

  constructor(
    private readonly deps: { eventStore: EventStore; schema: EventSchema },
    private readonly pollMs: () => number,
  ) {}

  /** Whether each projection, standing at `at` (its checkpoint), has none of its events over (at, to]. */
  async quiet(behind: ReadonlyArray<{ projection: Projection; at: number }>, to: number): Promise<boolean> {
    const scans = behind.map(({ projection, at }) => ({ projection, scan: this.scanFrom(projection.name, at) }));
    const open = scans.filter(({ scan }) => scan.next === undefined && scan.quietTo < to);
    if (open.length > 0 && !scans.some(({ scan }) => scan.next !== undefined && scan.next <= to)) await this.read(open, to);
    return scans.every(({ scan }) => (scan.next !== undefined ? scan.next > to : scan.quietTo >= to));
  }

  private scanFrom(name: string, from: number): Scan {
    const scan = this.scans.get(name);
    if (scan && scan.from <= from && from <= scan.quietTo && (scan.next === undefined || scan.next > from)) {
      scan.from = from;
      return scan;
    }
    const fresh: Scan = { from, quietTo: from };
    this.scans.set(name, fresh);
    return fresh;
  }

  private async read(open: ReadonlyArray<{ projection: Projection; scan: Scan }>, to: number): Promise<void> {
    let cursor = Math.min(...open.map(({ scan }) => scan.quietTo));
    while (open.some(({ scan }) => scan.next === undefined && scan.quietTo < to)) {
      // A position past the end of the log (X-Min-Position is the client's) is looked for once a poll, not once a waiter.
      if (cursor >= this.end.position && Date.now() - this.end.at < this.pollMs()) return;
      const page = (await this.deps.eventStore.readAll({ fromPosition: cursor, maxCount: SCAN_PAGE })).filter((event) => event.position > cursor);
      if (page.length === 0) {
        this.end = { position: cursor, at: Date.now() };
        return;
      }
      for (const event of page) {
        const type = this.deps.schema.upcast(event).type;
        for (const { projection, scan } of open) {
          if (scan.next !== undefined || event.position <= scan.quietTo) continue;
          if (projection.eventTypes.includes(type)) scan.next = event.position;
          else scan.quietTo = event.position;
        }
      }
      cursor = page[page.length - 1]!.position;
    }
  }
}
