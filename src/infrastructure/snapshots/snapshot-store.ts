/**
 * Snapshots of aggregates whose streams grow long: the folded state as of a revision. They
 * are a cache, never the truth: a missing, unreadable or outdated snapshot only means the
 * stream is folded from its start again, and losing them all loses nothing.
 */

export type Snapshot = {
  streamName: string;
  /** The revision of the last event folded into `state`. */
  revision: number;
  /** The decider's `snapshotVersion` the state was folded with. */
  version: number;
  state: unknown;
};

export interface SnapshotStore {
  load(streamName: string): Promise<Snapshot | undefined>;
  /** Keeps the newest snapshot of a stream: an older one never replaces a newer one. */
  save(snapshot: Snapshot): Promise<void>;
}
