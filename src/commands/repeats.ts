import { v4 as uuidv4 } from 'uuid';
import { derivedEventId } from '../domain/shared/ids.js';
import type { LookBack } from '../infrastructure/event-store/event-store.js';
import type { RecentEvents } from './recent-events.js';

/**
 * How the command handler recognises a repeated request: by its events' ids, which derive
 * from its idempotency key, and, for the part of a stream the handler does not remember,
 * by asking the store to look back for them (see CommandHandler).
 */

/** Retention of an idempotency key by default: as long as the stored answers are kept. */
const KEY_RETENTION_MS = 24 * 3600_000;

/** Between the request's clock and the store's `recordedAt`. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Event ids for one command: derived from the idempotency key when there is one, random otherwise.
 * The command's type is part of them: a key names one request, and a request sends each stream
 * one kind of command, so another command on that stream under the same key (a key reused on
 * another route: a stock adjustment after a receipt) is another request, not a repeat.
 */
export const eventIds = (streamName: string, command: unknown, idempotencyKey: string | undefined) => {
  if (!idempotencyKey) return () => uuidv4();
  const commandType = commandTypeOf(command);
  // The first is asked twice (the repeat check, then the first event): a hash made once.
  let first: string | undefined;
  return (index: number) => (index === 0 ? (first ??= derivedEventId(idempotencyKey, `${streamName}/${commandType}`, 0)) : derivedEventId(idempotencyKey, `${streamName}/${commandType}`, index));
};

const commandTypeOf = (command: unknown): string => {
  const type = (command as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : '';
};

/** What the handler remembers of a stream: the ids (and positions) of its last events, up to `revision`. */
type Remembered = { revision: number; recent: Pick<RecentEvents, 'length' | 'oldestPosition'> };

type Keyed = { idempotencyKey?: string; causationPosition?: number; now: string };

/**
 * Where the store must look for this key's ids, besides the ids remembered: below them, back
 * to the command's cause or the key's retention. Nothing when no earlier attempt can be
 * further back than what is remembered.
 */
export const lookBackFor = (remembered: Remembered, context: Keyed, retentionMs = KEY_RETENTION_MS): LookBack | undefined => {
  if (!context.idempotencyKey) return undefined;
  const belowRevision = remembered.revision + 1 - remembered.recent.length;
  if (belowRevision <= 0) return undefined;
  const { causationPosition } = context;
  if (causationPosition !== undefined) {
    const oldest = remembered.recent.oldestPosition;
    return oldest !== undefined && oldest <= causationPosition ? undefined : { belowRevision, afterPosition: causationPosition };
  }
  return { belowRevision, since: new Date(Date.parse(context.now) - retentionMs - CLOCK_SKEW_MS).toISOString() };
};
