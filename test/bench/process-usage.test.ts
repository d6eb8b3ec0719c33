import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { busiestMainThread, perUnit, usageOf, type Usage } from '../../bench/support/process-usage.js';

/** What the saga benchmark reads of the shop's processes: CPU per order, and how busy the busiest event loop was. */
describe('bench: what a window cost the shop’s processes', () => {
  const usage = (atMs: number, cpuMs: number, mainThreads: Array<[number, number]>): Usage => ({ cpuMs, diskWriteBytes: cpuMs * 1024, mainThreadMs: new Map(mainThreads), atMs });

  it('gives the busiest main thread’s share of the time between two readings, over processes seen in both', () => {
    const before = usage(1_000, 500, [
      [10, 100],
      [11, 200],
      [12, 0],
    ]);
    // Process 12 left and 13 joined meanwhile: neither can say what it did in between.
    const after = usage(3_000, 2_500, [
      [10, 300],
      [11, 1_900],
      [13, 5_000],
    ]);
    expect(busiestMainThread(before, after)).to.equal(0.85);
    expect(perUnit(before, after, 100)).to.deep.equal({ cpuMs: 20, diskKb: 20 });
  });

  it('says nothing without two readings in order', () => {
    const reading = usage(1_000, 0, [[10, 0]]);
    expect(busiestMainThread(undefined, reading)).to.equal(undefined);
    expect(busiestMainThread(reading, undefined)).to.equal(undefined);
    expect(busiestMainThread(reading, reading)).to.equal(undefined);
    expect(perUnit(reading, reading, 0)).to.equal(undefined);
  });

  describe('read from /proc (Linux)', () => {
    let children: ChildProcess[] = [];
    afterEach(async () => {
      await Promise.all(
        children.map(async (child) => {
          if (child.exitCode === null && child.signalCode === null) {
            const exited = once(child, 'exit');
            // The whole group: a child's own child goes with it.
            process.kill(-child.pid!, 'SIGKILL');
            await exited;
          }
        }),
      );
      children = [];
    });

    const start = async (code: string): Promise<number> => {
      // A process group of its own, so that the test ends it with whatever it started.
      const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
      children.push(child);
      // Once it runs its own code (its start-up is not what is measured).
      await once(child.stdout!, 'data');
      return child.pid!;
    };

    it('tells an event loop kept busy from an idle one, and counts a child process with its parent', async () => {
      // A parent whose main thread sleeps, with a child whose main thread spins.
      const spinner = `process.stdout.write('up'); for (;;) {}`;
      const parent = await start(
        `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(spinner)}], { stdio: ['ignore', 'pipe', 'inherit'] });
         c.stdout.once('data', () => process.stdout.write('up')); setInterval(() => {}, 1000);`,
      );
      const idle = await start(`process.stdout.write('up'); setInterval(() => {}, 1000);`);
      const before = { parent: usageOf(parent), idle: usageOf(idle) };
      expect(before.parent!.mainThreadMs.size).to.equal(2);
      await new Promise((resolve) => setTimeout(resolve, 600));
      const after = { parent: usageOf(parent), idle: usageOf(idle) };
      // The spinning child: most of a CPU even on a busy machine (the clock ticks are 10 ms).
      expect(busiestMainThread(before.parent, after.parent)).to.be.greaterThan(0.3);
      expect(after.parent!.cpuMs - before.parent!.cpuMs).to.be.greaterThan(150);
      expect(busiestMainThread(before.idle, after.idle)).to.be.lessThan(0.1);
    });
  });
});
