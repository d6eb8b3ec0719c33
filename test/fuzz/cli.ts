import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { runShopModel, shopModelReport } from './model/runner.js';
import { runOperationFuzz } from './operation-fuzz.js';

/**
 * `npm run fuzz -- --runs N --seed S`: the fuzzer of every operation (N requests in all,
 * shared among the operations) and the model-based test of the shop (N / 100 sequences by
 * default), longer than `npm test` runs them. A failure prints fast-check's shrunk
 * counterexample and the command that replays it; the exit code is 1.
 */

const integer = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a whole number');
  return Number(value);
};

const program = new Command('fuzz')
  .description('Fuzz the HTTP API from its OpenAPI document, then run the model-based test of the shop')
  .option('--runs <n>', 'requests for the operation fuzzer, in all', integer, 10_000)
  .option('--seed <s>', 'the seed (random when left out)', integer)
  .option('--model-runs <n>', 'sequences of the model-based test (runs / 100 when left out; 0 skips it)', integer)
  .option('--only <operations>', 'operation ids, comma-separated (the model-based test is then skipped)')
  .option('--path <path>', "fast-check's replay path of a counterexample (with --seed and --only)")
  .parse();

const options = program.opts<{ runs: number; seed?: number; modelRuns?: number; only?: string; path?: string }>();
const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
const only = options.only?.split(',').map((id) => id.trim());
const log = (line: string) => process.stdout.write(`${line}\n`);

/** The operation fuzzer; the number of operations whose property failed. */
const fuzzOperations = async (): Promise<number> => {
  log(`seed ${seed}: ${options.runs} requests over the operations${only ? ` (${only.join(', ')})` : ''}`);
  const started = Date.now();
  const outcomes = await runOperationFuzz({ runs: options.runs, seed, log, ...(only ? { only } : {}), ...(options.path ? { path: options.path } : {}) });
  const sent = outcomes.reduce((sum, o) => sum + o.runs, 0);
  log(`${sent} requests to ${outcomes.length} operations in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  let failed = 0;
  for (const { op, details } of outcomes.filter((o) => o.details.failed)) {
    failed += 1;
    log(`\n✗ ${op}: ${String(details.errorInstance)}\n${fc.defaultReportMessage(details) ?? ''}`);
    log(`replay: npm run fuzz -- --only ${op} --seed ${details.seed} --path ${details.counterexamplePath ?? ''} --runs 1`);
  }
  return failed;
};

const main = async (): Promise<number> => {
  let failed = options.runs > 0 ? await fuzzOperations() : 0;
  const modelRuns = only ? 0 : (options.modelRuns ?? Math.max(1, Math.floor(options.runs / 100)));
  if (modelRuns > 0) {
    log(`\nmodel-based test: ${modelRuns} sequences, seed ${seed}`);
    const details = await runShopModel({ runs: modelRuns, seed, log, ...(options.path && !only ? { path: options.path } : {}) });
    if (details.failed) {
      failed += 1;
      log(`\n✗ model-based test:\n${shopModelReport(details) ?? ''}`);
      log(`replay: npm run fuzz -- --runs 0 --model-runs 1 --seed ${details.seed} --path ${details.counterexamplePath ?? ''}`);
    }
  }
  log(failed === 0 ? '\nno failures' : `\n${failed} failure(s)`);
  return failed === 0 ? 0 : 1;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(2);
  },
);
