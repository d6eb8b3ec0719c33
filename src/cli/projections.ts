import 'reflect-metadata';
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import type { Tools } from '../api/composition-root.js';
import { lagCounter } from '../infrastructure/event-store/lag.js';
import type { Progress } from '../operations/rebuild.js';
import { timeLeft } from './time-left.js';
import { verify, type Verification } from '../operations/verify.js';
import { ALL_PROJECTIONS } from '../projections/index.js';
import { CHECKPOINTS, type Checkpoint } from '../projections/runner.js';
import { compact, pretty, run, table, visible, withTools } from './output.js';

/**
 * `npm run projections:rebuild -- <name|all>...`  rebuild without downtime, then swap
 * `npm run projections:verify [-- <name>...]`     compare the read models with the log and check the
 *                                                  invariants across them; exit 1 on a divergence or a violation
 * `npm run projections:list`                       every projection, its collection and position
 */

const program = new Command('projections').description('Rebuild and verify the read models').showHelpAfterError();

program
  .command('rebuild')
  .argument('<names...>', `projection names, or all (${ALL_PROJECTIONS.map((p) => p.name).join(', ')})`)
  .description('rebuild read models from the log into new collections and swap them in')
  .action((names: string[]) => run(() => withTools((tools) => rebuild(tools, names))));

program
  .command('verify')
  .argument('[names...]', 'projection names (default: all)')
  .option('--json', 'print the divergences and invariant violations as JSON')
  .description('rebuild into scratch collections and compare with the live read models; check the invariants across them')
  .action((names: string[], options: { json?: boolean }) => run(() => withTools((tools) => check(tools, names, options.json ?? false))));

program
  .command('list')
  .description('every projection with its collection and position in the log')
  .action(() => run(() => withTools(list)));

const rebuild = async (tools: Tools, names: string[]) => {
  const selected = tools.rebuilds.select(names).map((p) => p.name);
  // The bar is cut at the terminal's width: a long list of names would push the rate and ETA off it.
  const what = selected.length > 3 ? `${selected.length} read models` : selected.join(', ');
  const report = progressReporter(`rebuilding ${what}`);
  // Ctrl-C or a stop ends the rebuild as failed and gives up its claim, so that it can be run again at
  // once. Killed outright, its claim would stand as running for 15 s, refusing another rebuild
  // ("already running"), and then be taken over and finished by the server the operator stopped it for.
  const interrupt = () => {
    console.error('\ninterrupted: ending the rebuild (the current read models keep serving); again to quit at once');
    void tools.rebuilds.stop();
  };
  process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  const result = await tools.rebuilds
    .run(selected, report.update)
    .finally(report.stop)
    .finally(() => process.off('SIGINT', interrupt).off('SIGTERM', interrupt));
  const rate = Math.round(result.events / Math.max(0.001, result.elapsedMs / 1000));
  console.log(`rebuilt ${result.events} events in ${(result.elapsedMs / 1000).toFixed(1)} s (${rate} events/s)`);
  console.log(table(['projection', 'now served from', 'was', 'position'], result.projections.map((p) => [p.name, p.collection, p.previous, String(p.position)])));
  // Interrupted here, the process that runs the projections drops them (within a minute, or as it starts): src/operations/retired-collections.ts.
  console.log('dropping the previous collections once running queries are done with them...');
  await result.retired;
};

const check = async (tools: Tools, names: string[], json: boolean) => {
  const selected = tools.rebuilds.select(names.length > 0 ? names : ['all']);
  const result = await verify({ ...tools, store: tools.readModels }, selected);
  const { position, head, behind, divergences, invariants, outdated } = result;
  if (json) console.log(pretty(result));
  else {
    // First: what explains the divergences below (a DATA_DIR written by an earlier version, not rebuilt yet).
    for (const o of outdated) {
      console.log(`outdated: ${o.projection}'s read models were folded by version ${o.live} of it, this build folds version ${o.current}: the server rebuilds them when it starts (or \`projections rebuild ${o.projection}\`); their divergences and violations are expected until then`);
    }
    printDivergences(selected.length, position, divergences);
    // Read models behind the log (none folded yet, or no server running): what they have not folded is not checked, and an operator should know.
    if (position < head) console.log(`behind: the read models have folded the log up to position ${position}, its head is at ${head}; what comes after is not checked (a running server folds it; \`projections list\` shows each one's lag): ${behind.join(', ')}`);
    printInvariants(invariants);
  }
  return divergences.length === 0 && invariants.violations.length === 0 ? 0 : 1;
};

// One line per divergence, field or violation: easy to read, and to grep at night.
const printDivergences = (count: number, position: number, divergences: Verification['divergences']) => {
  if (divergences.length === 0) {
    console.log(`no divergence: ${count} read models agree with the log up to position ${position}`);
    return;
  }
  console.log(`${divergences.length} divergences up to position ${position}:`);
  for (const d of divergences) {
    console.log(`${d.projection}  ${d.collection}  ${d.id}  ${d.kind}`);
    for (const f of d.fields ?? []) console.log(`    ${f.field}: live ${compact(f.live)}, from the log ${compact(f.rebuilt)}`);
  }
};

const printInvariants = ({ position, checked, violations, inFlight, handedOver }: Verification['invariants']) => {
  if (checked.length === 0) return;
  const busy = inFlight.length === 0 ? '' : ` (${inFlight.length} orders in flight left out of the rules about outcomes)`;
  if (violations.length === 0) console.log(`no violation: ${checked.length} invariants hold at position ${position}${busy}`);
  else {
    console.log(`${violations.length} invariant violations at position ${position}${busy}:`);
    for (const v of violations) console.log(`invariant ${v.invariant}  ${v.id}  ${v.detail}`);
  }
  if (handedOver.length === 0) return;
  // Not violations: an operator took these orders out of the shop's hands (a payment's job or a saga event discarded), and said why.
  console.log(`${handedOver.length} orders left to an operator (a payment job or an order-saga event of each discarded), out of the rules about outcomes:`);
  for (const h of handedOver) console.log(`order ${h.orderId}  ${h.kind} ${h.job} discarded by ${h.discardedBy} at ${h.discardedAt}: ${visible(h.reason)}`);
};

/**
 * Lag in events (positions are byte offsets on EventStoreDB), counted up to a limit: `1000+`
 * past it, `?` when the store could not count it (why is printed below the table).
 */
const list = async (tools: Tools) => {
  const lagOf = lagCounter(tools.eventStore);
  const checkpoints = await tools.readModels.collection<Checkpoint>(CHECKPOINTS).find({});
  const problems = new Set<string>();
  const rows = await Promise.all(
    ALL_PROJECTIONS.map(async (p) => {
      const c = checkpoints.find((x) => x._id === p.name);
      const lag = await lagOf(c?.position ?? 0);
      if (lag.events === null) problems.add(`lag of position ${c?.position ?? 0} not counted: ${lag.error}`);
      const counted = lag.events === null ? '?' : `${lag.events}${lag.exact ? '' : '+'}`;
      return [p.name, c?.collection ?? p.collection, String(c?.position ?? 0), counted];
    }),
  );
  console.log(table(['projection', 'collection', 'position', 'lag (events)'], rows));
  for (const problem of problems) console.log(problem);
};

/** A progress bar with events/s and ETA on a terminal; a plain line every few seconds otherwise. */
const progressReporter = (title: string) => {
  const terminal = Boolean(process.stderr.isTTY);
  const bar = new cliProgress.SingleBar(
    {
      format: `${title} |{bar}| {percentage}% | {events} events | {rate} events/s | ETA {left}`,
      stream: process.stderr,
      noTTYOutput: !terminal,
      notTTYSchedule: 2000,
      etaBuffer: 50,
      hideCursor: terminal,
    },
    cliProgress.Presets.shades_classic,
  );
  let state: 'waiting' | 'shown' | 'done' = 'waiting';
  const stop = () => {
    if (state === 'shown') bar.stop();
    state = 'done';
  };
  return {
    update: (progress: Progress) => {
      if (state === 'done') return;
      const { position, head, events, elapsedMs } = progress;
      const payload = { events, rate: Math.round(events / Math.max(0.001, elapsedMs / 1000)), left: timeLeft(progress) };
      // Started at the position of the first report (not 0: its first line read "0% | 250 events").
      if (state === 'waiting') bar.start(Math.max(head, position, 1), position, payload);
      state = 'shown';
      bar.setTotal(Math.max(head, position, 1));
      bar.update(position, payload);
      // The log's head reached: the bar ends its line now, so that what the rebuild logs next
      // (its swap) starts a line of its own on a terminal. Events appended meanwhile are folded all the same.
      if (position >= head) stop();
    },
    stop,
  };
};

await program.parseAsync();
