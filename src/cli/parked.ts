import 'reflect-metadata';
import { userInfo } from 'node:os';
import { Command } from 'commander';
import type { Tools } from '../api/composition-root.js';
import { DiscardBody } from '../api/dto/admin.js';
import { parseDto } from '../api/validation.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/shared/errors.js';
import type { Document } from '../infrastructure/read-models/read-model-store.js';
import { discardParkedEvent, discardParkedJob, replayParkedEvent } from '../operations/parked.js';
import { DISCARDED_JOBS, PARKED_JOBS, requeueParkedJob } from '../processes/jobs.js';
import { DISCARDED_EVENTS, PARKED_EVENTS } from '../processes/parked-events.js';
import { pretty, run, visible, withTools } from './output.js';

/**
 * `npm run parked -- list [--jobs] [--discarded] [--json]`      events (or jobs) that kept failing, with their errors
 * `npm run parked -- replay <id...|all> [--jobs]`                 replay parked events on their sagas (or requeue jobs)
 * `npm run parked -- discard <id...|all> --reason "..." [--jobs]`  take them out of the parked work for good, saying why
 */

const program = new Command('parked').description('Parked events and jobs: list, replay and discard').showHelpAfterError();

program
  .command('list')
  .description('events (or jobs) that kept failing, with their errors')
  .option('--jobs', 'parked jobs instead of parked events')
  .option('--discarded', 'those discarded instead, with who discarded them, when and why')
  .option('--json', 'print JSON')
  .action((options: ListOptions) => run(() => withTools((tools) => list(tools, options))));

program
  .command('replay')
  .description('replay parked events on their sagas as they stand now (or requeue parked jobs)')
  .argument('<ids...>', 'parked ids, or all')
  .option('--jobs', 'requeue parked jobs instead of replaying parked events')
  .action((ids: string[], options: { jobs?: boolean }) => run(() => withTools((tools) => replay(tools, ids, options.jobs ?? false))));

program
  .command('discard')
  .description('take parked events (or jobs) out of the parked work for good: kept, with who discarded them, when and why, in discarded_events (discarded_jobs)')
  .argument('<ids...>', 'parked ids, or all')
  // Required: a discard nobody can explain is not auditable. Commander refuses its absence (exit 1) before anything is opened.
  .requiredOption('--reason <text>', 'why they are not to run again (1 to 500 characters, no control characters)')
  .option('--jobs', 'discard parked jobs instead of parked events')
  .action((ids: string[], options: { reason: string; jobs?: boolean }) => run(() => discardWork(ids, options)));

type ListOptions = { jobs?: boolean; discarded?: boolean; json?: boolean };

const collectionOf = ({ jobs, discarded }: { jobs?: boolean; discarded?: boolean }) => (discarded ? (jobs ? DISCARDED_JOBS : DISCARDED_EVENTS) : jobs ? PARKED_JOBS : PARKED_EVENTS);

const list = async (tools: Tools, options: ListOptions) => {
  const sortBy = options.discarded ? 'discardedAt' : 'parkedAt';
  const parked = await tools.readModels.collection<Document>(collectionOf(options)).find({}, { sort: { [sortBy]: 1 } });
  if (options.json) return console.log(pretty(parked));
  if (parked.length === 0) return console.log(`no ${options.discarded ? 'discarded' : 'parked'} ${options.jobs ? 'jobs' : 'events'}`);
  // One entry per line with its whole id (to copy into `replay`), the error indented below.
  for (const p of parked) {
    const what = options.jobs ? String(p.kind) : `${String(p.eventType)} @ ${String(p.streamName)}`;
    console.log(visible(`${p._id}  ${what}  attempts ${String(p.attempts)}  parked ${String(p.parkedAt)}`));
    console.log(`    ${visible(String(options.jobs ? p.lastError : p.error))}`);
    if (options.discarded) console.log(`    ${visible(`discarded ${String(p.discardedAt)} by ${String(p.discardedBy)}: ${String(p.discardReason)}`)}`);
  }
};

const replay = async (tools: Tools, ids: string[], jobs: boolean) => {
  const collection = jobs ? PARKED_JOBS : PARKED_EVENTS;
  const all = ids.includes('all') ? (await tools.readModels.collection<Document>(collection).find({}, { sort: { parkedAt: 1 } })).map((p) => p._id) : ids;
  // Said, not left to an empty output that reads like a replay that did nothing.
  if (all.length === 0) console.log(`no parked ${jobs ? 'jobs' : 'events'} to replay`);
  let failed = 0;
  for (const id of all) {
    try {
      if (jobs) {
        await requeueParkedJob(tools.readModels, id, new Date());
        console.log(visible(`${id}: queued again`));
        continue;
      }
      const result = await replayParkedEvent(tools.readModels, tools.processes, id);
      if (!result.replayed) failed += 1;
      console.log(result.replayed ? `${id}: replayed` : `${id}: still fails: ${result.error}`);
    } catch (error) {
      // One not parked (a typo, replayed or discarded already), or held by a replay or discard under way elsewhere
      // (a job still queued): said, and the others still run, as discard does.
      if (!(error instanceof NotFoundError || error instanceof ConflictError)) throw error;
      failed += 1;
      console.log(visible(`${id}: not ${jobs ? 'queued again' : 'replayed'}: ${error.message}`));
    }
  }
  return failed === 0 ? 0 : 1;
};

/** The reason by the HTTP route's rules (trimmed, 1 to 500 characters, no control characters), checked before the stores are opened. */
const reasonOf = async (text: string): Promise<string> => {
  try {
    return (await parseDto(DiscardBody, { reason: text })).reason;
  } catch (error) {
    if (error instanceof ValidationError) throw new Error(`--reason ${error.errors.map((e) => e.message).join(', ')}`);
    throw error;
  }
};

/** Who discards from here: the account on this host (the tool runs with the stores' files, not a token). */
const operator = (): string => {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
};

const discardWork = async (ids: string[], options: { reason: string; jobs?: boolean }) => {
  const reason = await reasonOf(options.reason);
  return withTools(async (tools) => {
    const collection = options.jobs ? PARKED_JOBS : PARKED_EVENTS;
    const all = ids.includes('all') ? (await tools.readModels.collection<Document>(collection).find({}, { sort: { parkedAt: 1 } })).map((p) => p._id) : ids;
    if (all.length === 0) console.log(`no parked ${options.jobs ? 'jobs' : 'events'} to discard`);
    const discard = options.jobs ? discardParkedJob : discardParkedEvent;
    let failed = 0;
    // Each on its own: one not parked (a typo, discarded already) does not keep the others parked.
    for (const id of all) {
      try {
        const done = await discard(tools.readModels, id, { reason, by: operator(), at: new Date().toISOString() });
        console.log(visible(`${id}: discarded (${done.discardedBy}, ${done.discardedAt})`));
      } catch (error) {
        if (!(error instanceof NotFoundError || error instanceof ConflictError)) throw error;
        failed += 1;
        console.log(visible(`${id}: not discarded: ${error.message}`));
      }
    }
    return failed === 0 ? 0 : 1;
  });
};

await program.parseAsync();
