import { stemmer } from 'stemmer';
import stopword from 'stopword';
import { foldedLetters } from '../products/name-key.js';

/**
 * How product text and queries become search terms, the same way on both sides: Unicode
 * folded (accents dropped, `ß` as `ss`, `Ø` as `o`: as the name sort reads them), lower-cased, split into words, English stop words dropped,
 * each word reduced to its stem (Porter), so "Running Shoes" and "run shoe" meet.
 * Terms are computed here, not by the database, so MongoDB and the embedded store match
 * exactly the same documents for the same query.
 */

const STOP_WORDS: ReadonlySet<string> = new Set(stopword.eng);
/** Longer "words" are codes or noise, not what shoppers type. */
const MAX_WORD = 40;

export const wordsOf = (text: string): string[] =>
  foldedLetters(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0 && word.length <= MAX_WORD);

/** The distinct stems of a text, in order of first appearance. */
export const termsOf = (text: string): string[] => {
  const terms = new Set<string>();
  for (const word of wordsOf(text)) if (!STOP_WORDS.has(word)) terms.add(/^[a-z]+$/.test(word) ? stemmer(word) : word);
  return [...terms];
};

/**
 * A shopper's query: its terms (what termsOf gives for the whole text) and the words, as
 * typed and separated by white space, that give none: stop words, punctuation, emoji,
 * overlong "words". Splitting on white space first changes no term: white space separates
 * words anyway, and NFKD decomposes each character on its own, never across a space.
 */
export const queryTermsOf = (query: string): { terms: string[]; ignored: string[] } => {
  const terms = new Set<string>();
  const ignored = new Set<string>();
  for (const word of query.split(/\s+/u)) {
    if (word.length === 0) continue;
    const found = termsOf(word);
    if (found.length === 0) ignored.add(word);
    for (const term of found) terms.add(term);
  }
  return { terms: [...terms], ignored: [...ignored] };
};
