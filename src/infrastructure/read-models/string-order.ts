/**
 * MongoDB's order of strings (the simple collation): their UTF-8 bytes, that is their code
 * points (docs: "Comparison/Sort Order", "simple binary comparison"). JavaScript's `<` compares
 * UTF-16 units, which puts a character beyond U+FFFF (a surrogate pair: an emoji) before one
 * from U+E000 to U+FFFF (a ligature, a full-width form); MongoDB puts it after.
 */
export const compareStrings = (a: string, b: string): number => {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only a surrogate against a unit at U+E000 or above orders otherwise than its code point.
    if (x >= 0xd800 && y >= 0xd800) return codePointRank(x) - codePointRank(y);
    return x - y;
  }
  return a.length - b.length;
};

/** Surrogates (U+D800 to U+DFFF, the start of a code point above U+FFFF) after every other unit. */
const codePointRank = (unit: number): number => (unit >= 0xe000 ? unit - 0x800 : unit + 0x2000);
