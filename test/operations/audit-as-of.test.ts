import { expect } from 'chai';
import { ValidationError } from '../../src/domain/shared/errors.js';
import { parseAsOf } from '../../src/operations/audit.js';

/** The as-of the audit takes (`?asOf=` on the routes, `--as-of` on the command line): a revision or an ISO time, read strictly. */
describe('Audit trail: parsing an as-of', () => {
  it('reads a non-negative integer as a revision', () => {
    expect(parseAsOf('0')).to.deep.equal({ revision: 0 });
    expect(parseAsOf('12')).to.deep.equal({ revision: 12 });
  });

  it('reads an ISO time as that instant, in UTC', () => {
    expect(parseAsOf('2024-05-01T12:00:00+02:00')).to.deep.equal({ time: '2024-05-01T10:00:00.000Z' });
    expect(parseAsOf('2024-05-01T10:00:00Z')).to.deep.equal({ time: '2024-05-01T10:00:00.000Z' });
  });

  it('reads a time without a zone as UTC, as the log stores and the audit prints times, whatever zone the machine is in', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(parseAsOf('2024-05-01T10:00')).to.deep.equal({ time: '2024-05-01T10:00:00.000Z' });
      expect(parseAsOf('2024-05-01T10:00:30.5')).to.deep.equal({ time: '2024-05-01T10:00:30.500Z' });
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('refuses a day or a time of day that does not exist, rather than reading the next one', () => {
    for (const raw of ['2026-02-30', '2026-02-29T00:00:00Z', '2026-04-31T10:00:00+02:00', '2026-12-02T24:00:00Z', '2026-00-10', '2026-12-02T10:00:00+24:00']) {
      expect(catching(() => parseAsOf(raw)), raw).to.be.instanceOf(ValidationError);
    }
    expect(parseAsOf('2024-02-29')).to.deep.equal({ time: '2024-02-29T00:00:00.000Z' });
  });

  it('reads nothing as no as-of', () => {
    expect(parseAsOf(undefined)).to.equal(null);
    expect(parseAsOf('')).to.equal(null);
  });

  it('refuses what is neither a revision nor a time', () => {
    const error = catching(() => parseAsOf('yesterday'));
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.field)).to.deep.equal(['asOf']);
  });

  // Date.parse guesses: '-1' reads as 2001-01-01, '1.5' as 2001-01-05, 'build 7' as 2001-07-01.
  it('refuses a negative revision, a fraction or words with a number, which are no ISO time either', () => {
    for (const raw of ['-1', '1.5', 'build 7']) expect(catching(() => parseAsOf(raw)), raw).to.be.instanceOf(ValidationError);
  });
});

const catching = (act: () => unknown): unknown => {
  try {
    act();
  } catch (error) {
    return error;
  }
  return undefined;
};
