#!/usr/bin/env node
// `npm test` after the build: the compiled test files (dist/test) in two runs of mocha, each
// two files at a time (mocha --parallel, a worker process per file), about the cores of the
// machines we run on.
// - First every file that runs in the test's process (the in-process tests, the browser tests).
// - Then the files that start processes of their own (shop servers, event-store writers, the CLI
//   tools: anything that reaches node:child_process, through the test helpers or directly). They
//   time kills, restarts and failovers, so they never share the cores with the browser tests;
//   two of them at a time kept the two cores 1.7 busy where one at a time kept them 1.1 busy
//   (the processes they start spend much of their time waiting: for a signal, a lease, a kill),
//   and took 212 s against 305.
// A file is sorted by what it imports, followed through the test tree's own modules, so a new
// test lands on the right side without a list to keep. Both runs always run; the exit code is
// the first failure's. Arguments are passed to both runs (e.g. `--grep`).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tests = join(root, 'dist', 'test');
const mocha = join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');

const filesUnder = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));

const IMPORT = /(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g;
const PROCESSES = /['"](?:node:)?child_process['"]/;

/** Whether a module, or one it imports from the test tree, reaches node:child_process. */
const startsProcesses = (file, seen = new Map()) => {
  if (seen.has(file)) return seen.get(file);
  seen.set(file, false);
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false; // not a file of the test tree (src is compiled elsewhere and never spawns for a test)
  }
  let found = PROCESSES.test(text);
  for (const [, spec] of text.matchAll(IMPORT)) {
    if (found) break;
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec);
    if (target.startsWith(tests)) found = startsProcesses(target, seen);
  }
  seen.set(file, found);
  return found;
};

const all = filesUnder(tests).filter((file) => file.endsWith('.test.js')).sort();
// The longest files first (10-30 s each, where most files take one or two), so that no worker is
// left with one of them at the end while the other idles: the browser tests and the fuzzers of the
// first run, the CLI tools' and the clusters' of the second.
const heavyFirst = (dirs) => {
  const heavy = (file) => dirs.some((dir) => file.startsWith(join(tests, dir) + '/'));
  return (a, b) => Number(heavy(b)) - Number(heavy(a));
};
const withProcesses = all.filter((file) => startsProcesses(file)).sort(heavyFirst(['cli', 'cluster']));
const inProcess = all.filter((file) => !withProcesses.includes(file)).sort(heavyFirst(['web', 'fuzz']));
const extra = process.argv.slice(2);

// .mocharc.json's options without its `spec` (which mocha would add to the files named here).
const { spec: _spec, ...config } = JSON.parse(readFileSync(join(root, '.mocharc.json'), 'utf8'));
const configArgs = ['--no-config', ...Object.entries(config).flatMap(([key, value]) => {
  if (Array.isArray(value)) return value.flatMap((v) => [`--${key}`, String(v)]);
  if (typeof value === 'boolean') return [value ? `--${key}` : `--no-${key}`];
  return [`--${key}`, String(value)];
})];

const run = (label, args, files) => {
  if (files.length === 0) return 0;
  console.log(`\n${label}: ${files.length} files`);
  const result = spawnSync(process.execPath, [mocha, ...configArgs, ...args, ...extra, ...files.map((file) => relative(root, file))], { cwd: root, stdio: 'inherit' });
  return result.status ?? 1;
};

const first = run('In-process tests, two files at a time', ['--parallel', '--jobs', '2'], inProcess);
const second = run('Tests that start processes, two files at a time', ['--parallel', '--jobs', '2'], withProcesses);
process.exit(first || second);
