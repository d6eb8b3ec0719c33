#!/usr/bin/env node
// Compiles the project with tsc and builds the web pages (web/, with Vite) (`npm run build`), or, with --if-stale, only when a source
// changed since the last successful build, this script's or tsc's own (`npx tsc -p .`): the
// operator tools run through this and start in well under a second when nothing changed,
// instead of waiting for tsc every time.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');
const inputs = ['src', 'test', 'bench', 'web', 'tsconfig.json', 'package.json', 'package-lock.json'];

/** The newest modification time under a path (a file, or a directory walked recursively). */
const newest = (path) => {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs; // a deleted file changes its directory's time
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'results') continue;
    latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
};

const stampedAt = () => (existsSync(stamp) ? statSync(stamp).mtimeMs : 0);

/**
 * When tsc itself last built without errors (`npx tsc -p .` leaves no stamp): the time of its
 * build info, unless that records diagnostics or work left pending (a failed build).
 */
const buildInfo = join(root, 'dist', '.tsbuildinfo');
const UNFINISHED = ['semanticDiagnosticsPerFile', 'emitDiagnosticsPerFile', 'affectedFilesPendingEmit', 'changeFileSet', 'errors', 'checkPending', 'pendingEmit'];
const tscBuiltAt = () => {
  try {
    const info = JSON.parse(readFileSync(buildInfo, 'utf8'));
    return UNFINISHED.some((key) => key in info) ? 0 : statSync(buildInfo).mtimeMs;
  } catch {
    return 0;
  }
};

const stale = () => {
  const builtAt = Math.max(stampedAt(), tscBuiltAt());
  if (!existsSync(join(root, 'dist', 'web', 'index.html'))) return true; // tsc alone builds no pages
  return builtAt === 0 || inputs.some((input) => newest(join(root, input)) > builtAt);
};

if (process.argv.includes('--if-stale') && !stale()) process.exit(0);
const startedAt = new Date();
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
for (const project of ['tsconfig.json', 'web/tsconfig.json']) {
  // The web's own project only type-checks (noEmit): Vite bundles its sources below.
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, project)], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
// The storefront and the console into dist/web, served by the app (src/web/pages.ts).
const { build } = await import('vite');
await build({ configFile: join(root, 'web', 'vite.config.ts') });
// Stamped with the time the build started: a file saved during the build makes the next check build again.
writeFileSync(stamp, startedAt.toISOString());
utimesSync(stamp, startedAt, startedAt);
