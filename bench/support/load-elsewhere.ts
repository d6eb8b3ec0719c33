import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadSpec } from './load-process.js';
import type { LoadResult } from './shop-load.js';

const LOAD = fileURLToPath(new URL('./load-process.js', import.meta.url));

/** The shop's load run from a process of its own (load-process.ts), one window at a time. */
export type LoadGenerator = { run(spec: LoadSpec): Promise<LoadResult>; stop(): Promise<void>; readonly pid: number | undefined };

type Answer = { id: number; result?: LoadResult; error?: string };

/**
 * Starts the load process, which then serves every window of a benchmark, so that it takes no
 * time from this one's event loop and its own code is compiled once (the JIT) rather than in
 * every window. A process started per window sent its first second's requests from cold code:
 * late, then in catch-up bursts: at 5,000 product reads a second a p50 of 200-222 ms on both
 * sides of a pair, which measured the generator rather than either server.
 */
export const startLoadGenerator = (): LoadGenerator => {
  const child = fork(LOAD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, { resolve: (result: LoadResult) => void; reject: (error: Error) => void }>();
  let next = 0;
  let exited: Error | undefined;
  child.on('message', (message) => {
    const { id, result, error } = message as Answer;
    const waiter = waiting.get(id);
    waiting.delete(id);
    if (error !== undefined || !result) waiter?.reject(new Error(`load process: ${error ?? 'no result'}`));
    else waiter?.resolve(result);
  });
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = new Error(`the load process exited with ${code}`);
      for (const waiter of waiting.values()) waiter.reject(exited);
      waiting.clear();
      resolve();
    }),
  );
  return {
    pid: child.pid,
    run: (spec) =>
      new Promise<LoadResult>((resolve, reject) => {
        if (exited) return reject(exited);
        const id = next++;
        waiting.set(id, { resolve, reject });
        child.send({ id, spec });
      }),
    stop: async () => {
      if (!exited) child.disconnect();
      await gone;
    },
  };
};
