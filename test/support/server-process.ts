import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The real server (`dist/src/main.js`) as a child process on 127.0.0.1 and a free port. */

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/** Node's arguments that make a started process stop itself once its starter is gone (./exit-with-parent.ts). */
export const EXIT_WITH_PARENT = ['--import', new URL('./exit-with-parent.js', import.meta.url).href];

export type ServerProcess = { port: number; url: string; child: ChildProcess; logs: string[]; exited: Promise<number | null> };

export const startServer = (env: Record<string, string>, timeoutMs = 20_000, nodeArgs: string[] = []): Promise<ServerProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', ...EXIT_WITH_PARENT, ...nodeArgs, MAIN], {
      // The tests' clients all sign in from 127.0.0.1: its limit of password checks is the one test's that sets it.
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', PASSWORD_HASH_COST: '10', CREDENTIAL_ATTEMPTS_PER_MINUTE: '0', PASSWORD_HASHES_IN_FLIGHT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: string[] = [];
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${logs.join('\n')}`));
    }, timeoutMs);
    // The last lines only: a server under load logs every request.
    const keep = (line: string) => {
      logs.push(line);
      if (logs.length > 500) logs.splice(0, logs.length - 500);
    };
    createInterface({ input: child.stderr! }).on('line', keep);
    let listening = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(line);
      // Only until it listens: a server under load logs every request, and parsing each line cost the benchmarks' load generator.
      if (listening) return;
      const entry = parse(line);
      if (entry?.msg === 'listening' && typeof entry.port === 'number') {
        listening = true;
        clearTimeout(timer);
        resolve({ port: entry.port, url: `http://127.0.0.1:${entry.port}`, child, logs, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${logs.join('\n')}`));
    });
  });

export const killServer = async (server: ServerProcess | undefined, signal: NodeJS.Signals = 'SIGKILL') => {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill(signal);
  await server.exited;
};

const parse = (line: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

export type CliRun = { code: number; stdout: string; stderr: string };

/** Runs one of the operator tools (`dist/src/cli/<tool>.js`) as a child process, as npm run would. */
export const runCli = (tool: string, args: string[], env: Record<string, string>): Promise<CliRun> =>
  new Promise((resolve) => {
    const script = fileURLToPath(new URL(`../../src/cli/${tool}.js`, import.meta.url));
    execFile(process.execPath, [...EXIT_WITH_PARENT, script, ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
