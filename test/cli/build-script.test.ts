import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../support/temp-dir.js';

/**
 * `scripts/build.mjs --if-stale`, which the operator tools run first: it compiles only when
 * a source changed since the last build, whoever made that build (`npm run build`, or tsc
 * run directly as `npx tsc -p .`). Run in a scratch project whose "TypeScript" only leaves
 * a mark that it was run, and whose "Vite" writes the pages' index.html as a build does.
 */
const SCRIPT = fileURLToPath(new URL('../../../scripts/build.mjs', import.meta.url));

describe('scripts/build.mjs --if-stale', () => {
  let dir: ReturnType<typeof tempDir>;
  const path = (...parts: string[]) => join(dir.path, ...parts);
  const at = (file: string, seconds: number) => utimesSync(path(file), seconds, seconds);
  const compiled = () => existsSync(path('compiled'));
  const runScript = () => {
    rmSync(path('compiled'), { force: true });
    execFileSync(process.execPath, [path('scripts', 'build.mjs'), '--if-stale']);
    return compiled();
  };
  /** What tsc leaves in dist after a build: its build info, with the diagnostics of a build that failed. */
  const tscBuilt = (seconds: number, errors = false) => {
    const info = { fileNames: ['../src/a.ts'], root: [1], version: '5.9.3', ...(errors ? { semanticDiagnosticsPerFile: [[1, [{ code: 2322, category: 1 }]]] } : {}) };
    writeFileSync(path('dist', '.tsbuildinfo'), JSON.stringify(info));
    at('dist/.tsbuildinfo', seconds);
    // The pages of an earlier full build (tsc alone does not make them).
    writeFileSync(path('dist', 'web', 'index.html'), '');
    at('dist/web/index.html', seconds);
  };

  beforeEach(() => {
    dir = tempDir('shop-build-script-');
    for (const folder of ['scripts', 'src', 'dist/web', 'web', 'node_modules/typescript/bin', 'node_modules/vite']) mkdirSync(path(folder), { recursive: true });
    copyFileSync(SCRIPT, path('scripts', 'build.mjs'));
    writeFileSync(path('node_modules/typescript/package.json'), JSON.stringify({ name: 'typescript', version: '0.0.0' }));
    writeFileSync(path('node_modules/typescript/bin/tsc'), `require('node:fs').writeFileSync(${JSON.stringify(path('compiled'))}, '');\n`);
    writeFileSync(path('node_modules/vite/package.json'), JSON.stringify({ name: 'vite', version: '0.0.0', type: 'module', exports: './index.js' }));
    writeFileSync(path('node_modules/vite/index.js'), `import { writeFileSync } from 'node:fs';\nexport const build = async () => writeFileSync(${JSON.stringify(path('dist', 'web', 'index.html'))}, '');\n`);
    for (const file of ['tsconfig.json', 'web/tsconfig.json', 'package.json', 'src/a.ts']) {
      writeFileSync(path(file), '{}');
      at(file, 1_000_000);
    }
    at('src', 1_000_000);
    at('web', 1_000_000);
  });
  afterEach(() => dir.remove());

  it('compiles when there is no build', () => expect(runScript()).to.equal(true));

  it('does not compile after a build by tsc itself (npx tsc -p .) when no source changed since', () => {
    tscBuilt(2_000_000);
    expect(runScript()).to.equal(false);
  });

  it('compiles when a source changed after that build', () => {
    tscBuilt(2_000_000);
    at('src/a.ts', 3_000_000);
    expect(runScript()).to.equal(true);
  });

  it('builds when tsc built but the pages were never built (dist/web has no index.html)', () => {
    tscBuilt(2_000_000);
    rmSync(path('dist', 'web', 'index.html'));
    expect(runScript()).to.equal(true);
    expect(existsSync(path('dist', 'web', 'index.html'))).to.equal(true);
  });

  it('builds when a page source changed', () => {
    tscBuilt(2_000_000);
    writeFileSync(path('web', 'page.tsx'), '');
    at('web/page.tsx', 3_000_000);
    expect(runScript()).to.equal(true);
  });

  it('compiles when that build failed (tsc recorded errors)', () => {
    tscBuilt(2_000_000, true);
    expect(runScript()).to.equal(true);
  });

  it('does not compile again after its own build', () => {
    expect(runScript()).to.equal(true);
    expect(runScript()).to.equal(false);
  });
});
