#!/usr/bin/env node
// The browser tests (test/web) drive Chromium from Debian's packages through playwright-core
// (a test tool's own browser download fails on these machines). `npm test` runs this first: when
// /usr/bin/chromium (or CHROMIUM_PATH) is missing it installs Debian's `chromium` package, so a
// fresh machine needs nothing by hand. It never lets the browser tests be skipped: no browser,
// no green run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);

const fail = (why) => {
  console.error(`Chromium is needed for the browser tests (test/web) and is not at ${path}: ${why}`);
  console.error('Install Debian\'s package (`apt-get install chromium`) or set CHROMIUM_PATH to a Chromium binary.');
  process.exit(1);
};
if (process.env.CHROMIUM_PATH) fail('CHROMIUM_PATH names no file');
if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) fail('this is not a Debian-like system this script can install it on');

const root = process.getuid?.() === 0;
if (!root && !existsSync('/usr/bin/sudo')) fail('installing it needs root (or sudo)');
const run = (args) => {
  const [command, ...rest] = root ? args : ['sudo', '-n', ...args];
  console.log(`installing Chromium: ${[command, ...rest].join(' ')}`);
  return spawnSync(command, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
};
const install = ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium'];
// The package lists may be missing or stale on a fresh machine: fetched once if the install fails.
if (!run(install) && !(run(['apt-get', 'update']) && run(install))) fail('apt-get could not install the chromium package');
if (!existsSync(path)) fail('the chromium package installed no browser there');
console.log(`Chromium installed at ${path}`);
