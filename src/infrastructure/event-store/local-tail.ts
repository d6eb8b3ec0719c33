import { LruCache } from '../lru-cache.js';
import type { RecordedEvent } from './event-store.js';

/**
 * What this process knows of the log's tail without asking SQLite: the last revision of
 * the streams appended to lately, and the events appended last, in log order. Commands ask
 * "anything new on my stream?" and every follower asks "what came after position p?"
 * after every append; most of the time the answer is here. When another process writes to
 * the file, the store has the tail read its events (catchUp) before it answers again, and the
 * tail clears itself when the events this process appended are not next to those it knew of
 * (another process appended in between).
 *
 * The events handed out are shared between readers, who must not change them (nobody
 * does: upcasting and projections build new objects).
 */
export class LocalTail {
  private readonly revisions = new LruCache<string, number>(100_000);
  private events: RecordedEvent[] = [];
  private knownHead = -1;

  constructor(private readonly capacity = 20_000) {}

  /** Forgets everything; `head` is the log's last position as read now (unknown when not given). */
  clear(head = -1): void {
    this.revisions.clear();
    this.events = [];
    this.knownHead = head;
  }

  /** The last position of the log as far as this tail knows (-1: unknown). */
  get head(): number {
    return this.knownHead;
  }

  /** The stream's last revision, when this process knows it. */
  revisionOf(streamName: string): number | undefined {
    return this.revisions.get(streamName);
  }

  /** Records appended events (already committed), in log order. */
  appended(events: readonly RecordedEvent[]): void {
    // Another process appended since what this tail knows: what it knew of their streams may be stale.
    if (events.length > 0 && this.knownHead >= 0 && events[0]!.position !== this.knownHead + 1) this.clear();
    for (const event of events) {
      const last = this.events[this.events.length - 1];
      // Only a gap-free run of positions can answer "what came after p?".
      if (last && event.position !== last.position + 1) this.events = [];
      this.events.push(event);
      this.revisions.set(event.streamName, event.revision);
      this.knownHead = event.position;
    }
    if (this.events.length > this.capacity) this.events = this.events.slice(-this.capacity / 2);
  }

  /**
   * Brings the tail to the file's `head` after another process appended: the events from the
   * tail's head on, read once (`read`) rather than by every follower from the file, extend it,
   * and commands learn those streams' last revisions. Positions have no gaps (an INTEGER
   * PRIMARY KEY of an append-only table: a rolled-back insert's rowid is used again), so those
   * events are all that happened meanwhile. A tail that knows no head, or a run longer than
   * CATCH_UP_MAX events, is cleared at `head` instead.
   */
  catchUp(head: number, read: (fromPosition: number, count: number) => RecordedEvent[]): void {
    const known = this.knownHead;
    if (head === known) return;
    if (known < 0 || head < known || head - known > CATCH_UP_MAX) return this.clear(head);
    const events = read(known + 1, head - known);
    if (events.length !== head - known || events[0]!.position !== known + 1) return this.clear(head);
    this.appended(events);
  }

  /** Events from `fromPosition` on, or undefined when the tail does not cover them. */
  readAll(fromPosition: number, maxCount: number): RecordedEvent[] | undefined {
    const first = this.events[0];
    if (!first || fromPosition < first.position) return undefined;
    const start = fromPosition - first.position;
    return this.events.slice(start, start + maxCount);
  }
}

/** The longest run of other processes' events a tail takes in at once. */
const CATCH_UP_MAX = 2000;
