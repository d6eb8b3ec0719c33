import { NotFoundError } from '../domain/shared/errors.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { PARKED_EVENTS, type ParkedEvent } from '../processes/parked-events.js';
import type { ProcessManagerRunner } from '../processes/runner.js';

/** Finds a parked event and replays it with the runner of the process manager that parked it. */
export const replayParkedEvent = async (
  store: ReadModelStore,
  runners: ReadonlyArray<Pick<ProcessManagerRunner<unknown>, 'name' | 'replay'>>,
  id: string,
): Promise<{ replayed: boolean; error?: string }> => {
  const parked = await store.collection<ParkedEvent>(PARKED_EVENTS).findOne({ _id: id });
  if (!parked) throw new NotFoundError(`no parked event ${id}`);
  const runner = runners.find((r) => r.name === parked.processManager);
  if (!runner) throw new NotFoundError(`no process manager ${parked.processManager}`);
  return runner.replay(parked);
};
