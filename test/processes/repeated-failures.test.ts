import { expect } from 'chai';
import pino from 'pino';
import { Writable } from 'node:stream';
import { RepeatedFailures } from '../../src/processes/repeated-failures.js';

/** A loop failing every turn (a damaged jobs document: the job runner looks each second) logs once a minute, and says what to do about damage. */
describe('RepeatedFailures', () => {
  const logged = () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'error' }, new Writable({ write: (chunk, _enc, done) => void (lines.push(JSON.parse(String(chunk))), done()) }));
    return { lines, logger };
  };

  it('logs a failure once, then the same at most once every everyMs with how many came between; another failure, or one after a turn without it, at once', async () => {
    const { lines, logger } = logged();
    let now = 0;
    const failures = new RepeatedFailures(logger, 'looking for due jobs failed', 60_000, () => now);
    for (let turn = 0; turn < 30; turn += 1, now += 1000) failures.report(new Error('the store is away'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).to.have.length(1);
    now = 61_000;
    failures.report(new Error('the store is away'));
    failures.report(new Error('something else'));
    failures.recovered();
    failures.report(new Error('something else'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.msg, l.repeatedSinceLastLogged])).to.deep.equal([
      ['looking for due jobs failed', undefined],
      ['looking for due jobs failed', 29],
      ['looking for due jobs failed', undefined],
      ['looking for due jobs failed', undefined],
    ]);
  });

  it('says what to do when the failure is damage of the read models\' file', async () => {
    const { lines, logger } = logged();
    new RepeatedFailures(logger, 'looking for due jobs failed').report(Object.assign(new Error('the document "x" of the read model collection "jobs" is not JSON'), { code: 'SQLITE_CORRUPT_DOCUMENT' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(String(lines[0]!.msg)).to.match(/read-models\.db\) is damaged: with every process of the shop stopped, delete it/);
  });
});
