import { expect } from 'chai';
import stringWidth from 'string-width';
import { compact, records, wrapped } from '../../src/cli/output.js';

/**
 * The operator tools' records: as wide as the terminal, never wider, and never losing a
 * character of what the log holds, whatever script it is written in.
 */
describe('the tools\' record tables', () => {
  const WIDTH = 80;
  const WIDE = {
    name: '漢字'.repeat(30) + '😀'.repeat(10) + '👩‍👩‍👧',
    description: 'ａ'.repeat(100),
    reason: 'two  spaces,  then   three',
    category: 'e\u0301'.repeat(50),
  };
  /** The text of the table's second column below its head, its lines joined. */
  const cellsOf = (table: string) =>
    table
      .split('\n')
      .filter((line) => line.startsWith('│'))
      .slice(1)
      .map((line) => line.split('│')[2]!.replace(/^ /, '').replace(/ +$/, ''))
      .join('');

  it('fits the width given, counting wide characters as two columns, and keeps every character', () => {
    const data = `data  ${compact(WIDE)}`;
    const table = records('rev', [{ key: '0', lines: ['StockAdjusted · 2026-12-02 05:30:07.986', data] }]);
    const tooWide = records('rev', [{ key: '0', lines: [data] }], WIDTH).split('\n').filter((line) => stringWidth(line) > WIDTH);
    expect(tooWide).to.deep.equal([]);
    const cells = cellsOf(records('rev', [{ key: '0', lines: [data] }], WIDTH));
    expect(cells.replace(/\s/g, '')).to.equal(data.replace(/\s/g, ''));
    expect(cells).to.not.include('…');
    expect(table).to.include('StockAdjusted');
  });

  it('keeps the spaces inside a value', () => {
    const cells = cellsOf(records('rev', [{ key: '0', lines: [`data  ${compact({ reason: WIDE.reason })}`] }], WIDTH));
    expect(cells).to.include(WIDE.reason);
  });

  it('wraps long lines outside tables (a state as JSON) at the width too, keeping every character', () => {
    const text = JSON.stringify(WIDE, null, 2);
    const lines = wrapped(text, WIDTH).split('\n');
    expect(lines.filter((line) => stringWidth(line) > WIDTH)).to.deep.equal([]);
    expect(lines.join('').replace(/\s/g, '')).to.equal(text.replace(/\s/g, ''));
  });

  it('shows characters that would act on the terminal or hide text as escapes: C1 controls, bidirectional controls, line separators', () => {
    const shown = compact({ name: 'a\u009b31mb\u202ec\u2028d\u2066e' });
    expect(shown).to.equal('{"name":"a\\u009b31mb\\u202ec\\u2028d\\u2066e"}');
    expect(JSON.parse(shown)).to.deep.equal({ name: 'a\u009b31mb\u202ec\u2028d\u2066e' });
  });

  // A stream's record holds its state after each event: a SKU's reservations make hundreds of lines.
  // (cli-table3 drew such a cell in time growing with the square of its text: minutes, not milliseconds.)
  it('draws records of thousands of lines, every line in its place', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(4, '0')} ${'x'.repeat(150)}`);
    const drawn = records('rev', [{ key: '0', lines }, { key: '1', lines: ['last'] }], WIDTH).split('\n');
    expect(drawn.filter((line) => stringWidth(line) !== WIDTH)).to.deep.equal([]);
    expect(drawn.filter((line) => line.startsWith('│ 0   │ 0'))).to.have.length(1);
    expect(cellsOf(drawn.join('\n'))).to.equal(lines.join('') + 'last');
  });
});
