import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a value's bytes are in a directory's files, in clear or in any encoding a store could
 * write it in: UTF-8, UTF-16 (both byte orders), lower and upper case, URL and JSON escaping,
 * hex, and base64 / base64url at each of the three alignments a value can have inside a
 * longer encoded text. Every file under the directory is read whole: databases, their WAL
 * and shared memory, keys, secrets, anything.
 */

export type Trace = { file: string; value: string; encoding: string };

export const encodingsOf = (value: string): Array<{ encoding: string; bytes: Buffer }> => {
  const texts = [...new Set([value, value.toLowerCase(), value.toUpperCase()])];
  const out: Array<{ encoding: string; bytes: Buffer }> = [];
  for (const text of texts) {
    out.push({ encoding: 'utf8', bytes: Buffer.from(text, 'utf8') });
    out.push({ encoding: 'utf16le', bytes: Buffer.from(text, 'utf16le') });
    out.push({ encoding: 'utf16be', bytes: Buffer.from(text, 'utf16le').swap16() });
    out.push({ encoding: 'url', bytes: Buffer.from(encodeURIComponent(text)) });
    out.push({ encoding: 'json', bytes: Buffer.from(JSON.stringify(text).slice(1, -1)) });
    out.push({ encoding: 'hex', bytes: Buffer.from(Buffer.from(text).toString('hex')) });
    for (let shift = 0; shift < 3; shift += 1) {
      // The part of the value's base64 that does not depend on what comes before or after it.
      const encoded = Buffer.concat([Buffer.alloc(shift), Buffer.from(text)]).toString('base64');
      const start = Math.ceil((shift * 4) / 3);
      const stable = encoded.slice(start + (start % 4 === 0 ? 0 : 4 - (start % 4)), encoded.length - 4);
      if (stable.length >= 8) {
        out.push({ encoding: `base64+${shift}`, bytes: Buffer.from(stable) });
        out.push({ encoding: `base64url+${shift}`, bytes: Buffer.from(stable.replace(/\+/g, '-').replace(/\//g, '_')) });
      }
    }
  }
  return out;
};

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });

export const tracesIn = (dir: string, values: readonly string[]): Trace[] => {
  const traces: Trace[] = [];
  const files = filesUnder(dir).map((file) => ({ file, bytes: readFileSync(file) }));
  for (const value of values) {
    for (const { encoding, bytes } of encodingsOf(value)) {
      for (const file of files) if (file.bytes.includes(bytes)) traces.push({ file: file.file.slice(dir.length + 1), value, encoding });
    }
  }
  return traces;
};
