import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../test/support/temp-dir.js';
import type { LoadSpec } from './load-process.js';
import type { LoadResult } from './shop-load.js';

const LOAD = fileURLToPath(new URL('./load-process.js', import.meta.url));

/** Runs the shop's load (load-process.ts) from a process of its own, so it takes no time from this one's event loop. */
export const loadElsewhere = (spec: LoadSpec): Promise<LoadResult> => {
  const dir = tempDir('bench-load-');
  const file = join(dir.path, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [LOAD, file], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      dir.remove();
      if (error) return reject(new Error(`load process failed: ${stderr || error.message}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult);
    }),
  );
};
