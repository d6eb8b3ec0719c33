import type { EventSchema } from '../domain/shared/event-schema.js';
import type { EventStore } from '../infrastructure/event-store/event-store.js';
import type { Projection } from '../projections/projection.js';
import { readLog } from './invariants-log.js';

/**
 * Where each projection's read model stands in the log, seen from outside its runner (verify,
 * the invariants' snapshot). Its stored checkpoint is a lower bound: a runner writes with a
 * batch the checkpoints of the projections it gave events to, and the others' at the pacer's
 * pace (see CheckpointPacer). Events of other types change nothing of a read model, so it
 * stands where the log stands just before its first own event after its checkpoint, or at
 * `head` when there is none. One pass through the log, from the lowest checkpoint.
 */
export const standing = async (
  deps: { eventStore: EventStore; schema: EventSchema },
  projections: readonly Projection[],
  checkpoints: ReadonlyMap<string, number>,
  head: number,
): Promise<Map<string, number>> => {
  const at = new Map(projections.map((p) => [p.name, Math.min(checkpoints.get(p.name) ?? 0, head)]));
  const open = new Set(projections.filter((p) => at.get(p.name)! < head));
  if (open.size === 0) return at;
  let previous = Math.min(...[...open].map((p) => at.get(p.name)!));
  for await (const event of readLog(deps.eventStore, deps.schema, previous, head)) {
    for (const projection of open) {
      const own = at.get(projection.name)!;
      if (event.position <= own) continue;
      if (projection.eventTypes.includes(event.type)) {
        at.set(projection.name, Math.max(own, previous));
        open.delete(projection);
      }
    }
    if (open.size === 0) break;
    previous = event.position;
  }
  for (const projection of open) at.set(projection.name, head);
  return at;
};
