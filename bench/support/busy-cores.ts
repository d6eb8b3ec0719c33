import { spawn, type ChildProcess } from 'node:child_process';

/**
 * `--busy-cores n`: n other processes that each keep a core busy (a loop that never yields) for
 * the length of the run, as neighbours on a shared machine do. The same commit can then be
 * measured as on a machine with less CPU to spare, on demand: which targets hold when a tenant
 * takes a core. They run at the benchmarks' own priority and are stopped when the run ends,
 * however it ends.
 */
export const keepCoresBusy = (count: number): { stop: () => void } => {
  const spinners: ChildProcess[] = Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  const stop = () => {
    for (const spinner of spinners) if (spinner.exitCode === null) spinner.kill('SIGKILL');
  };
  process.once('exit', stop);
  return { stop };
};
