import { Command } from 'commander';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BENCHMARK_NAMES } from './benchmarks/names.js';
import { keepCoresBusy } from './support/busy-cores.js';
import { between, probeMs, snapshot, type MachineState } from './support/machine-state.js';
import type { Metric } from './support/metrics.js';

/**
 * `npm run bench [-- --quick] [-- --only append,http] [-- --busy-cores 1]`: runs every
 * benchmark, each in a fresh process of its own (so one's heap, caches and peak RSS never
 * colour another's), and writes bench/results/latest.json and latest.md (busy-<n>.json and
 * .md with --busy-cores n). Every figure is measured next to its anchors in the same process
 * run, with the same workload.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
const RESULTS = `${ROOT}bench/results`;
const ANCHORS = `${ROOT}bench/anchors`;

const program = new Command()
  .name('bench')
  .option('--quick', 'smaller sizes (the whole run in under 8 minutes)', false)
  .option('--only <names>', `comma-separated benchmarks to run (${BENCHMARK_NAMES.join(', ')})`)
  .option('--busy-cores <n>', 'keep n cores busy with other processes meanwhile (a machine whose neighbours take CPU); writes busy-<n>.json and .md instead of latest', '0')
  .parse();
const options = program.opts<{ quick: boolean; only?: string; busyCores: string }>();
const busyCores = Number(options.busyCores);
if (!Number.isInteger(busyCores) || busyCores < 0 || busyCores >= cpus().length) program.error(`--busy-cores must be a whole number from 0 to ${cpus().length - 1}`);
/** The results' file name: a run with busy cores never replaces the quiet run's. */
const OUTPUT = busyCores > 0 ? `busy-${busyCores}` : 'latest';

const names: string[] = options.only ? options.only.split(',').map((n) => n.trim()) : [...BENCHMARK_NAMES];
const unknown = names.filter((n) => !(BENCHMARK_NAMES as readonly string[]).includes(n));
if (unknown.length > 0) program.error(`unknown benchmark(s): ${unknown.join(', ')}`);

/** The third-party anchors live in their own npm project; installed on first use from its lockfile. */
const ensureAnchors = () => {
  if (existsSync(`${ANCHORS}/node_modules/@event-driven-io/emmett-sqlite/package.json`)) return;
  console.error('installing the anchors of bench/anchors (first run only) ...');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', ANCHORS], { stdio: ['ignore', 'inherit', 'inherit'] });
};

/** Emmett's web stack (express 4, sqlite3) for emmett-http: a project of its own likewise, its peers overridden (see its package.json). */
const ensureAnchorsWeb = () => {
  if (existsSync(`${ROOT}bench/anchors-web/node_modules/@event-driven-io/emmett-expressjs/package.json`)) return;
  console.error('installing the anchors of bench/anchors-web (first run only) ...');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', `${ROOT}bench/anchors-web`], { stdio: ['ignore', 'inherit', 'inherit'] });
};

const runOne = (name: string): Promise<Metric[]> =>
  new Promise((resolve, reject) => {
    const args = ['--enable-source-maps', CHILD, name, ...(options.quick ? ['--quick'] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`benchmark ${name} exited with ${code}`));
      try {
        resolve(JSON.parse(last) as Metric[]);
      } catch {
        reject(new Error(`benchmark ${name} printed no metrics:\n${out}`));
      }
    });
  });

const cell = (value: number | string) => (typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 2 }) : value);

/** A ratio as the target reads it: three decimals (0.498 is not 0.5). */
const ratioCell = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 3 });

const ratios = (m: Metric) =>
  m.ratios?.map((r) => `/ ${r.anchor}: **${ratioCell(r.median)}** (${ratioCell(r.min)}-${ratioCell(r.max)}, ${r.pairs.length})`).join('<br>') || '-';

const markdown = (metrics: Metric[], header: string) =>
  [
    header,
    '',
    '| id | value | unit | anchors | ratio: median of the pairs (min-max, pairs) | target | met |',
    '|---|---:|---|---|---|---|---|',
    ...metrics.map((m) => {
      const anchors = Object.entries(m.anchors).map(([id, v]) => `${id}: ${cell(v)}`).join('<br>') || '-';
      return `| \`${m.id}\` | ${cell(m.value)} | ${m.unit} | ${anchors} | ${ratios(m)} | ${m.target ?? '-'} | ${m.met === undefined ? '-' : m.met ? 'yes' : '**no**'} |`;
    }),
    '',
    'Values are the medians of their side over the pairs, but for the checkout latencies (one histogram of all their windows), the saga throughputs (the rate found: one window, confirmed by a second) and the cross-process lag (one window); each ratio is the median of ours / anchor over interleaved pairs (ours and the anchor measured one right after the other). Targets without a ratio are budgets: `rebuild_rss_mb`, `failover_ms` (against LEASE_MS), `cross_process_lag_p99_ms`.',
    '',
  ].join('\n');

/** The machine's state in one sentence: other processes and steal over the run, the busiest benchmark's share, the probe's range. */
const stateLine = (overall: MachineState, states: Record<string, MachineState & { probe_ms: number }>) => {
  const each = Object.entries(states);
  const busiest = each.reduce<[string, MachineState] | undefined>((top, entry) => (!top || entry[1].others_cpu_pct > top[1].others_cpu_pct ? entry : top), undefined);
  const probes = each.map(([, s]) => s.probe_ms);
  return [
    `Machine state: other processes used ${overall.others_cpu_pct}% of the cores' time during the run`,
    busiest ? ` (the most during ${busiest[0]}: ${busiest[1].others_cpu_pct}%)` : '',
    `, the hypervisor took ${overall.steal_pct}%`,
    probes.length > 0 ? `; the probe of a core's pace (JSON of 20,000 documents, there and back) took ${middle(probes)} ms before the median benchmark (${Math.min(...probes)}-${Math.max(...probes)}).` : '.',
  ].join('');
};

const middle = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const main = async () => {
  if (names.includes('append')) ensureAnchors();
  if (names.includes('emmett-http')) ensureAnchorsWeb();
  const started = Date.now();
  const metrics: Metric[] = [];
  const failures: string[] = [];
  const durations: Record<string, number> = {};
  const states: Record<string, MachineState & { probe_ms: number }> = {};
  const spinners = keepCoresBusy(busyCores);
  // Unrecorded: the probe's own code compiled (the JIT) before the first one counts.
  for (let i = 0; i < 3; i += 1) probeMs();
  const first = snapshot();
  for (const name of names) {
    console.error(`\n== ${name}${options.quick ? ' (quick)' : ''}`);
    const probe = probeMs();
    const before = snapshot();
    const t0 = Date.now();
    try {
      const found = await runOne(name);
      metrics.push(...found);
      for (const m of found) console.error(`   ${m.id}: ${cell(m.value)} ${m.unit} ${JSON.stringify(m.anchors)} ${ratios(m)}${m.met === false ? '  (target not met)' : ''}`);
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
      console.error(`   failed: ${(error as Error).message}`);
    }
    durations[name] = Math.round((Date.now() - t0) / 100) / 10;
    const state = between(before, snapshot());
    if (state) states[name] = { ...state, probe_ms: probe };
    console.error(`   (${durations[name]} s${state ? `; other processes ${state.others_cpu_pct}% of the cores, steal ${state.steal_pct}%, probe ${probe} ms` : ''})`);
  }
  const overall = between(first, snapshot());
  spinners.stop();
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), os: `${osType()} ${release()}` };
  const result = {
    node: process.version,
    quick: options.quick,
    busy_cores: busyCores,
    machine,
    date: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    /** Seconds each benchmark took, to keep the quick run under its 8 minutes. */
    durations,
    /** What else the machine did meanwhile (support/machine-state.ts): the whole run, and each benchmark with its probe. */
    machine_state: overall ? { ...overall, benchmarks: states } : undefined,
    metrics,
    ...(failures.length > 0 ? { failures } : {}),
  };
  mkdirSync(RESULTS, { recursive: true });
  // Written whole or not at all: a half-written latest.json would read as a result.
  writeFileSync(`${RESULTS}/${OUTPUT}.json.tmp`, `${JSON.stringify(result, null, 2)}\n`);
  renameSync(`${RESULTS}/${OUTPUT}.json.tmp`, `${RESULTS}/${OUTPUT}.json`);
  const header = [
    `Node ${process.version}, ${machine.cpus} × ${machine.cpu}, ${machine.memoryGb} GB, ${machine.os}; ${options.quick ? 'quick' : 'full'} run of ${result.date.slice(0, 10)}, ${result.seconds} s${busyCores > 0 ? `, with ${busyCores} of the cores kept busy by other processes (--busy-cores)` : ''}.`,
    ...(overall ? ['', stateLine(overall, states)] : []),
  ].join('\n');
  const table = markdown(metrics, header);
  writeFileSync(`${RESULTS}/${OUTPUT}.md.tmp`, table);
  renameSync(`${RESULTS}/${OUTPUT}.md.tmp`, `${RESULTS}/${OUTPUT}.md`);
  console.log(`\n${table}`);
  if (failures.length > 0) {
    console.error(`failed: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
};

await main();
