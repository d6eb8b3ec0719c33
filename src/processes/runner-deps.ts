import type { Logger } from 'pino';
import type { CommandHandler } from '../commands/command-handler.js';
import type { InventoryDecider } from '../domain/inventory/inventory.js';
import type { EventSchema } from '../domain/shared/event-schema.js';
import type { EventStore } from '../infrastructure/event-store/event-store.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import type { CriticalPath } from '../infrastructure/critical-path.js';
import type { Claimant, ScheduledJob } from './job-documents.js';

/** What a process manager's runner is given (see ProcessManagerRunner). */
export type ProcessRunnerDeps = {
  eventStore: EventStore;
  readModels: ReadModelStore;
  schema: EventSchema;
  commands: CommandHandler;
  /** The shop's inventory decider (its default low-stock threshold); the default one when left out. */
  inventory?: InventoryDecider;
  logger: Logger;
  clock: () => Date;
  /** Told of the jobs written with each batch, so the job runner can run them without searching for them. */
  jobsScheduled?: (jobs: ScheduledJob[]) => void;
  /** The claim of the runner told (see JobRunner.claimAtOnce), written with each job due at once: it runs it without claiming it after. None while it stops. */
  claimJob?: () => Claimant | undefined;
  /** The process's critical path: a critical manager's batches go first, the others' once it is clear. */
  criticalPath?: CriticalPath;
};

export type ProcessRunnerOptions = {
  batchSize?: number;
  /** Sagas handled at once within a batch. */
  concurrency?: number;
  /** Attempts at one event before it is parked. */
  maxAttempts?: number;
  retryDelayMs?: number;
};
