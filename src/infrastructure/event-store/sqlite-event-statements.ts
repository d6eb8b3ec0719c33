import type Database from 'better-sqlite3';
import type { RecordedEvent } from './event-store.js';
import { LIMIT_PARAM } from '../sqlite-bound-limit.js';

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

/** A row as read (raw mode): the columns of EventRow, in COLUMNS' order. */
export type EventColumns = [
  position: number,
  streamName: string,
  revision: number,
  eventId: string,
  type: string,
  data: string,
  metadata: string,
  recordedAt: string,
];

const COLUMNS = 'position, stream_name, revision, event_id, type, data, metadata, recorded_at';

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
  // Read in raw mode: a row comes as an array, and the event is made of it directly (no row object first).
  streamForwards: db
    .prepare<[string, number, number], EventColumns>(`SELECT ${COLUMNS} FROM events WHERE stream_name = ? AND revision >= ? ORDER BY revision ASC ${LIMIT_PARAM}`)
    .raw(true),
  streamBackwards: db
    .prepare<[string, number, number], EventColumns>(`SELECT ${COLUMNS} FROM events WHERE stream_name = ? AND revision <= ? ORDER BY revision DESC ${LIMIT_PARAM}`)
    .raw(true),
  allForwards: db
    .prepare<[number, number], EventColumns>(`SELECT ${COLUMNS} FROM events WHERE position >= ? ORDER BY position ASC ${LIMIT_PARAM}`)
    .raw(true),
  allBackwards: db
    .prepare<[number, number], EventColumns>(`SELECT ${COLUMNS} FROM events WHERE position <= ? ORDER BY position DESC ${LIMIT_PARAM}`)
    .raw(true),
  head: db.prepare<[], { position: number | null }>('SELECT MAX(position) AS position FROM events'),
  countAfter: db
    .prepare<[number, number], number>(`SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE position > ? ${LIMIT_PARAM})`)
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

/** An event read in raw mode (see EventColumns). */
export const fromColumns = (row: EventColumns): RecordedEvent => ({
  id: row[3],
  type: row[4],
  streamName: row[1],
  revision: row[2],
  position: row[0],
  data: JSON.parse(row[5]) as Record<string, unknown>,
  metadata: JSON.parse(row[6]) as RecordedEvent['metadata'],
  recordedAt: row[7],
});
