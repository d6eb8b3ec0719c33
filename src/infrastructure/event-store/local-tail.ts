import { LruCache } from '../lru-cache.js';
import type { RecordedEvent } from './event-store.js';

/**
 * What this process knows of the log's tail without asking SQLite: the last revision of
 * the streams it appended to, and the events it appended last, in log order. Commands ask
 * "anything new on my stream?" and every follower asks "what came after position p?"
 * after every append; most of the time the answer is here. It holds only while no other
 * process writes to the file: the store clears it as soon as one does, and it clears itself
 * when the events this process appended are not next to those it knew of (another process
 * appended in between).
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

  /** Events from `fromPosition` on, or undefined when the tail does not cover them. */
  readAll(fromPosition: number, maxCount: number): RecordedEvent[] | undefined {
    const first = this.events[0];
    if (!first || fromPosition < first.position) return undefined;
    const start = fromPosition - first.position;
    return this.events.slice(start, start + maxCount);
  }
}
