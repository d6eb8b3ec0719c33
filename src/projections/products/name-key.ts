/**
 * A product name as shoppers expect a list sorted by name to read: case and accents set aside
 * (`apple pie` beside `Apple`, `Éclair` among the e's, not after `z`), and numbers by their value
 * (`9 pens` before `10 pens`). The stores sort strings by code point, as MongoDB does without a
 * collation: the sort key is this text, and the name itself breaks its ties.
 */
export const nameKey = (name: string): string =>
  name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    // A run of digits as its value, padded: "0009" and "9" alike, 20 digits keep any count apart.
    .replace(/\d+/g, (digits) => (digits.replace(/^0+(?=\d)/, '').padStart(20, '0')));
