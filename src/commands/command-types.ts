import type { EventSchema } from '../domain/shared/event-schema.js';
import type { EventToAppend } from '../infrastructure/event-store/event-store.js';
import type { SnapshotStore } from '../infrastructure/snapshots/snapshot-store.js';

/** What a command is run with and what it answers (see CommandHandler). */
export type CommandContext = {
  correlationId: string;
  causationId: string;
  actor: string;
  /** ISO time of the command; the domain never reads a clock. */
  now: string;
  idempotencyKey?: string;
  /** The stream revision the caller expects (If-Match). */
  ifMatch?: number;
  /**
   * `If-Match: *`: the resource must exist (RFC 9110 §13.1.1). Every command on one checks that
   * anyway (an unknown order is a 404); a creation, whose resource never exists before, is a 412.
   */
  ifExists?: true;
  /**
   * The log position of the event that caused the command (a process manager's reaction):
   * an earlier attempt with the same idempotency key can only have appended after it.
   */
  causationPosition?: number;
};

export type Handled<State> = {
  state: State;
  /** The stream revision after the command, -1 when the stream does not exist. */
  revision: number;
  /** Global position of the last appended event, when something was appended. */
  position?: number;
  appended: EventToAppend[];
  /**
   * True when the handler found this idempotency key already handled: nothing was appended.
   * (Two processes racing with one key both see success; the store keeps the events once.)
   */
  replayed: boolean;
};

export type CommandHandlerOptions = {
  schema: EventSchema;
  maxAttempts?: number;
  cachedStreams?: number;
  /** Event ids remembered per cached stream, to recognise a repeated request without reading the stream again. */
  rememberedIds?: number;
  snapshots?: SnapshotStore;
  /** Events between two snapshots of a stream (default 250). */
  snapshotEvery?: number;
  /** Told when saving a snapshot failed (the command itself never fails for it). */
  onSnapshotError?: (error: unknown, streamName: string) => void;
  /** How long a repeated idempotency key is recognised at least (default 24 h, as the stored answers). */
  idempotencyKeyRetentionMs?: number;
  /**
   * The key store's count of destructions (KeyStore.destructions): a state folded when it stood
   * lower may hold values opened with a key destroyed since, by any process (an erasure), and is
   * read from the log again, where they now read as erased. Asked before every use of the cache.
   */
  keyDestructions?: () => Promise<number>;
};
