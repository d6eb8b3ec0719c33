import 'reflect-metadata';
import { Command } from 'commander';
import type { Tools } from '../api/composition-root.js';
import type { Document } from '../infrastructure/read-models/read-model-store.js';
import { replayParkedEvent } from '../operations/parked.js';
import { PARKED_JOBS, requeueParkedJob } from '../processes/jobs.js';
import { PARKED_EVENTS } from '../processes/parked-events.js';
import { pretty, run, visible, withTools } from './output.js';

/**
 * `npm run parked -- list [--jobs] [--json]`      events (or jobs) that kept failing, with their errors
 * `npm run parked -- replay <id...|all> [--jobs]`   replay parked events on their sagas (or requeue jobs)
 */

const program = new Command('parked').description('Parked events and jobs: list and replay').showHelpAfterError();

program
  .command('list')
  .description('events (or jobs) that kept failing, with their errors')
  .option('--jobs', 'parked jobs instead of parked events')
  .option('--json', 'print JSON')
  .action((options: { jobs?: boolean; json?: boolean }) => run(() => withTools((tools) => list(tools, options))));

program
  .command('replay')
  .description('replay parked events on their sagas as they stand now (or requeue parked jobs)')
  .argument('<ids...>', 'parked ids, or all')
  .option('--jobs', 'requeue parked jobs instead of replaying parked events')
  .action((ids: string[], options: { jobs?: boolean }) => run(() => withTools((tools) => replay(tools, ids, options.jobs ?? false))));

const list = async (tools: Tools, options: { jobs?: boolean; json?: boolean }) => {
  const parked = await tools.readModels.collection<Document>(options.jobs ? PARKED_JOBS : PARKED_EVENTS).find({}, { sort: { parkedAt: 1 } });
  if (options.json) return console.log(pretty(parked));
  if (parked.length === 0) return console.log(`no parked ${options.jobs ? 'jobs' : 'events'}`);
  // One entry per line with its whole id (to copy into `replay`), the error indented below.
  for (const p of parked) {
    const what = options.jobs ? String(p.kind) : `${String(p.eventType)} @ ${String(p.streamName)}`;
    console.log(visible(`${p._id}  ${what}  attempts ${String(p.attempts)}  parked ${String(p.parkedAt)}`));
    console.log(`    ${visible(String(options.jobs ? p.lastError : p.error))}`);
  }
};

const replay = async (tools: Tools, ids: string[], jobs: boolean) => {
  const collection = jobs ? PARKED_JOBS : PARKED_EVENTS;
  const all = ids.includes('all') ? (await tools.readModels.collection<Document>(collection).find({}, { sort: { parkedAt: 1 } })).map((p) => p._id) : ids;
  // Said, not left to an empty output that reads like a replay that did nothing.
  if (all.length === 0) console.log(`no parked ${jobs ? 'jobs' : 'events'} to replay`);
  let failed = 0;
  for (const id of all) {
    if (jobs) {
      await requeueParkedJob(tools.readModels, id, new Date());
      console.log(`${id}: queued again`);
      continue;
    }
    const result = await replayParkedEvent(tools.readModels, tools.processes, id);
    if (!result.replayed) failed += 1;
    console.log(result.replayed ? `${id}: replayed` : `${id}: still fails: ${result.error}`);
  }
  return failed === 0 ? 0 : 1;
};

await program.parseAsync();
