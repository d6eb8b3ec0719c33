import { expect } from 'chai';
import { between, cpuLine, ownTicksOf, probeMs, snapshot, type Snapshot } from '../../bench/support/machine-state.js';

describe('bench: the machine state beside the figures', () => {
  it('reads the cores\' busy, steal and total ticks from /proc/stat\'s cpu line (guest time is inside user)', () => {
    const stat = 'cpu  100 20 30 400 50 6 7 8 90 0\ncpu0 50 10 15 200 25 3 3 4 45 0\nintr 1 2 3\n';
    expect(cpuLine(stat)).to.deep.equal({ busyTicks: 100 + 20 + 30 + 6 + 7, stealTicks: 8, totalTicks: 163 + 400 + 50 + 8 });
    // A kernel that reports no steal column counts none.
    expect(cpuLine('cpu 10 0 5 85 0 0 0\n')).to.deep.equal({ busyTicks: 15, stealTicks: 0, totalTicks: 100 });
    expect(() => cpuLine('intr 1 2 3\n')).to.throw(/no cpu line/);
    expect(() => cpuLine('cpu 10 0 5 85 0 0\n')).to.throw(/unreadable/);
  });

  it('counts this process\'s own and reaped children\'s user and system time, whatever its name holds', () => {
    const fields = ['S', '1', '1', '1', '0', '-1', '4194304', '0', '0', '0', '0', '11', '22', '33', '44', '20', '0'];
    expect(ownTicksOf(`123 (node (bench) x) ${fields.join(' ')}`)).to.equal(11 + 22 + 33 + 44);
  });

  it('gives the share of all cores that other processes used: busy time less this run\'s own, and steal', () => {
    const before: Snapshot = { busyTicks: 1000, stealTicks: 10, totalTicks: 10_000, ownTicks: 500 };
    const after: Snapshot = { busyTicks: 1600, stealTicks: 30, totalTicks: 11_000, ownTicks: 900 };
    // 1,000 ticks of all cores passed: 600 busy, 400 of them this run's, 20 stolen.
    expect(between(before, after)).to.deep.equal({ others_cpu_pct: 20, steal_pct: 2 });
    // Children reaped late can make our share exceed the busy time seen: never a negative share.
    expect(between(before, { ...after, ownTicks: 1200 })?.others_cpu_pct).to.equal(0);
    expect(between(before, before)).to.equal(undefined);
    expect(between(undefined, after)).to.equal(undefined);
  });

  it('reads the live machine on Linux (elsewhere, with no /proc, it reports none), and the probe takes some time', () => {
    const first = snapshot();
    if (process.platform !== 'linux') return expect(first).to.equal(undefined);
    expect(first?.totalTicks).to.be.greaterThan(0);
    const spin = performance.now() + 50;
    while (performance.now() < spin);
    const state = between(first, snapshot());
    expect(state?.others_cpu_pct).to.be.within(0, 100);
    expect(probeMs()).to.be.greaterThan(0);
  });
});
