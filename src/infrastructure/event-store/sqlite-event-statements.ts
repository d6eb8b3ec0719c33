import type Database from 'better-sqlite3';
import type { RecordedEvent } from './event-store.js';

/** The embedded event store's table, its statements and its rows as events. */

export type EventRow = {
  position: number;
  stream_name: string;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
};

export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY,
    stream_name TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    event_id    TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream ON events (stream_name, revision);
  CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream_event_id ON events (stream_name, event_id);
`;

export const prepareStatements = (db: Database.Database) => ({
  insert: db.prepare(
    `INSERT INTO events (stream_name, revision, event_id, type, data, metadata, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ),
  lastRevision: db
    .prepare<[string], { revision: number }>(
      'SELECT revision FROM events WHERE stream_name = ? ORDER BY revision DESC LIMIT 1',
    ),
  eventById: db.prepare<[string, string], { revision: number; position: number }>(
    'SELECT revision, position FROM events WHERE stream_name = ? AND event_id = ?',
  ),
  streamForwards: db.prepare<[string, number, number], EventRow>(
    'SELECT * FROM events WHERE stream_name = ? AND revision >= ? ORDER BY revision ASC LIMIT ?',
  ),
  streamBackwards: db.prepare<[string, number, number], EventRow>(
    'SELECT * FROM events WHERE stream_name = ? AND revision <= ? ORDER BY revision DESC LIMIT ?',
  ),
  allForwards: db.prepare<[number, number], EventRow>(
    'SELECT * FROM events WHERE position >= ? ORDER BY position ASC LIMIT ?',
  ),
  allBackwards: db.prepare<[number, number], EventRow>(
    'SELECT * FROM events WHERE position <= ? ORDER BY position DESC LIMIT ?',
  ),
  head: db.prepare<[], { position: number | null }>('SELECT MAX(position) AS position FROM events'),
  countAfter: db
    .prepare<[number, number], number>('SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE position > ? LIMIT ?)')
    .pluck(),
});

export type Statements = ReturnType<typeof prepareStatements>;

export const toRecorded = (row: EventRow): RecordedEvent => ({
  id: row.event_id,
  type: row.type,
  streamName: row.stream_name,
  revision: row.revision,
  position: row.position,
  data: JSON.parse(row.data) as Record<string, unknown>,
  metadata: JSON.parse(row.metadata) as RecordedEvent['metadata'],
  recordedAt: row.recorded_at,
});
