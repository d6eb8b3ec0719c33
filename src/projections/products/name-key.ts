/**
 * A product name as shoppers expect a list sorted by name to read: case and accents set aside
 * (`apple pie` beside `Apple`, `Éclair` among the e's, not after `z`; `Ørsted` among the o's,
 * `Œuvre` as `oeuvre`), and numbers by their value (`9 pens` before `10 pens`, whatever their
 * digits). The stores sort strings by code point, as MongoDB does without a collation: the sort
 * key is this text, and the name itself breaks its ties.
 */
export const nameKey = (name: string): string =>
  foldedLetters(name)
    // Any script's decimal digits as ASCII ones (NFKD folds the full-width and mathematical ones already).
    .replace(/\p{Nd}/gu, (digit) => String(digitValue(digit)))
    // A run of digits as its value: its length first (three digits), then the digits without leading zeros.
    .replace(/\d+/g, (digits) => {
      const value = digits.replace(/^0+(?=\d)/, '');
      return `${String(value.length).padStart(3, '0')}${value}`;
    });

/**
 * Text lower-cased, its accents dropped (NFKD, then the marks), and the Latin letters Unicode
 * does not decompose written as a reader of the Latin alphabet files them (`ß` as `ss`, `Ø` as
 * `o`, `Œ` as `oe`, `Þ` as `th`): how the name sort and the search both read text.
 */
export const foldedLetters = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[øłđðæœþßıħŧŋĸſ]/g, (letter) => LETTERS[letter]!);

/** Latin letters that Unicode does not write as a base letter and a mark, as a reader of the Latin alphabet files them. */
const LETTERS: Readonly<Record<string, string>> = {
  ø: 'o', ł: 'l', đ: 'd', ð: 'd', æ: 'ae', œ: 'oe', þ: 'th', ß: 'ss', ı: 'i', ħ: 'h', ŧ: 't', ŋ: 'n', ĸ: 'k', ſ: 's',
};

const DECIMAL = /\p{Nd}/u;

/** A decimal digit's value: Unicode lays each script's digits out as ten consecutive code points, 0 to 9. */
const digitValue = (digit: string): number => {
  const code = digit.codePointAt(0)!;
  let below = 0;
  while (below < 9 && DECIMAL.test(String.fromCodePoint(code - below - 1))) below += 1;
  return below;
};
