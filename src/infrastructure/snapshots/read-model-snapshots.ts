import { DuplicateKeyError, type Document, type ReadModelStore } from '../read-models/read-model-store.js';
import type { Snapshot, SnapshotStore } from './snapshot-store.js';

export const SNAPSHOTS = 'snapshots';

type SnapshotDocument = Document & { revision: number; version: number; state: string; savedAt: string };

/**
 * Snapshots kept in the read-model store (the embedded one, or MongoDB), one document per
 * stream. The state is stored as JSON text: any key an aggregate uses (SKUs, ids) is
 * safe in it, and reading it back is one JSON.parse.
 */
export class ReadModelSnapshots implements SnapshotStore {
  constructor(
    private readonly store: ReadModelStore,
    private readonly collection = SNAPSHOTS,
  ) {}

  async load(streamName: string): Promise<Snapshot | undefined> {
    const doc = await this.store.collection<SnapshotDocument>(this.collection).findOne({ _id: streamName });
    if (!doc) return undefined;
    return { streamName, revision: doc.revision, version: doc.version, state: JSON.parse(doc.state) as unknown };
  }

  async save(snapshot: Snapshot): Promise<void> {
    const { streamName, revision, version } = snapshot;
    const fields = { revision, version, state: JSON.stringify(snapshot.state), savedAt: new Date().toISOString() };
    try {
      // Replaces only an older snapshot; when a newer one is there, the upsert's insert clashes on _id.
      await this.store.bulkWrite(
        [{ collection: this.collection, updateOne: { filter: { _id: streamName, revision: { $lt: revision } }, update: { $set: fields }, upsert: true } }],
        { durable: false },
      );
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
    }
  }
}
