import type { RecordedEvent } from './event-store.js';

/**
 * Events of `$all` read lately from the file, for followers that catch up at the same time (a
 * shop starting over a log its read models have not seen: every projection and process
 * manager reads the same events, each in pages of its own size). What one follower read is
 * kept for the others once a second reader's page overlaps it, so a lone reader (a rebuild,
 * whose pages meet at one event: each starts at the last one it handled) keeps nothing. At
 * most `capacity` events are kept, the first kept going first, and none once nobody has read
 * any for IDLE_MS. The events are shared between readers, who must not change them (as those
 * of LocalTail). Positions have no gaps (see LocalTail), so a run of kept positions is a run
 * of the log.
 */
export class SharedPages {
  private readonly kept = new Map<number, RecordedEvent>();
  /** The last pages read from the file, [first, last] position: a page overlapping one of them is kept. */
  private readonly recent: Array<[number, number]> = [];
  private used = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly capacity = 10_000,
    private readonly idleMs = IDLE_MS,
  ) {}

  /** Up to `count` events from `from` on: those kept, then the rest read from the file by `read` (from, count). */
  read(from: number, count: number, read: (from: number, count: number) => RecordedEvent[]): RecordedEvent[] {
    // The log's first position is 1: a read from 0 (a follower's first) starts there.
    const start = Math.max(from, 1);
    const events: RecordedEvent[] = [];
    for (let event = this.kept.get(start); event && events.length < count; event = this.kept.get(start + events.length)) events.push(event);
    if (events.length > 0) this.used = true;
    if (events.length === count) return events;
    const next = start + events.length;
    const rest = read(next, count - events.length);
    if (rest.length > 0) this.remember(next, rest);
    return events.length === 0 ? rest : events.concat(rest);
  }

  private remember(from: number, events: RecordedEvent[]): void {
    const last = events[events.length - 1]!.position;
    const shared = this.recent.some(([first, end]) => first <= last && from < end);
    this.recent.push([from, last]);
    if (this.recent.length > RECENT) this.recent.shift();
    if (!shared) return;
    for (const event of events) this.kept.set(event.position, event);
    for (const position of this.kept.keys()) {
      if (this.kept.size <= this.capacity) break;
      this.kept.delete(position);
    }
    this.used = true;
    this.timer ??= setTimeout(() => this.expire(), this.idleMs).unref();
  }

  /** Forgets what was kept when nobody read any of it since the last look. */
  private expire(): void {
    this.timer = undefined;
    if (!this.used) return this.kept.clear();
    this.used = false;
    this.timer = setTimeout(() => this.expire(), this.idleMs).unref();
  }
}

/** Pages read from the file that a new page is compared with. */
const RECENT = 64;
/** How long kept events outlive their last reader. */
const IDLE_MS = 5_000;
