import 'reflect-metadata';
import { BENCHMARKS } from './benchmarks/index.js';
import { BENCHMARK_NAMES, type BenchmarkName } from './benchmarks/names.js';

/** Runs one benchmark in this (fresh) process and prints its metrics as the last line of stdout. */
const [name, ...flags] = process.argv.slice(2);
if (name === 'history') {
  // A helper process of the rebuild benchmark: writes the shop's history and scans it.
  const { history } = await import('./benchmarks/rebuild.js');
  await history(flags[0]!, Number(flags[1]));
  process.exit(0);
}
const benchmark = (BENCHMARK_NAMES as readonly string[]).includes(name ?? '') ? BENCHMARKS[name as BenchmarkName] : undefined;
if (!benchmark) {
  console.error(`unknown benchmark ${name}; known: ${BENCHMARK_NAMES.join(', ')}`);
  process.exit(2);
}
const metrics = await (await benchmark())({ quick: flags.includes('--quick') });
console.log(JSON.stringify(Array.isArray(metrics) ? metrics : [metrics]));
process.exit(0);
