import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EXIT_WITH_PARENT } from '../support/server-process.js';
import { tempDir } from '../support/temp-dir.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/** `WORKERS=2 npm start`; resolves once both workers listen, with the port they share. */
const startWorkers = (dataDir: string, group = false) =>
  new Promise<{ child: ChildProcess; port: number; exited: Promise<number | null> }>((resolve, reject) => {
    const child = spawn(process.execPath, [...EXIT_WITH_PARENT, MAIN], {
      env: { ...process.env, DATA_DIR: dataDir, WORKERS: '2', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', SEED_DEMO: 'false', RATE_LIMIT_PER_MINUTE: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, which a Ctrl-C signals whole: the primary and the workers at once.
      detached: group,
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    void exited.then(() => clearTimeout(timer));
    let listening = 0;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const port = /"port":(\d+)/.exec(line)?.[1];
      if (port && line.includes('"msg":"listening"') && (listening += 1) === 2) resolve({ child, port: Number(port), exited });
    });
    void exited.then((code) => reject(new Error(`exited before listening: ${code}`)));
  });

/** A GET of /health on `agent`'s kept-alive connection: its Connection header, or the error's code. */
const health = (port: number, agent: Agent) =>
  new Promise<{ connection?: string; error?: string }>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ connection: res.headers.connection }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });

/**
 * WORKERS=n shares one listening socket, held by the primary. Signalled at once, the workers'
 * answers closed their connections while another worker still took new ones: the primary took
 * the clients' next connections too, and reset those it still held when the last worker left
 * (a probe: 33 resets in 10 stops of 8 clients sending back to back). Now the workers stop
 * taking connections first (src/cluster/workers.ts, stopListening), and only then stop.
 */
describe('WORKERS=2: a stop while clients send back to back', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  const stops = (group: boolean) => async () => {
    for (let stop = 1; stop <= 3; stop += 1) {
      const { child, port, exited } = await startWorkers(dir.path, group);
      const agents = Array.from({ length: 8 }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
      const seen: Array<{ connection?: string; error?: string }> = [];
      let sending = true;
      void exited.then(() => (sending = false));
      const loops = agents.map(async (agent) => {
        while (sending) {
          const answer = await health(port, agent);
          seen.push(answer);
          if (answer.error) await new Promise((resolve) => setTimeout(resolve, 2));
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (group) process.kill(-child.pid!, 'SIGINT');
      else child.kill('SIGTERM');
      const code = await exited;
      await Promise.all(loops);
      for (const agent of agents) agent.destroy();
      const errors = seen.flatMap((answer) => (answer.error ? [answer.error] : []));
      expect(code, `stop ${stop}: exit code`).to.equal(0);
      expect(errors.filter((error) => error !== 'ECONNREFUSED'), `stop ${stop}: requests cut off`).to.deep.equal([]);
      expect(seen.filter((answer) => answer.connection === 'close').length, `stop ${stop}: answers that closed their connection`).to.be.greaterThan(0);
    }
  };

  it('answers or refuses every request, never resets one, and exits 0: SIGTERM to the primary (three stops)', stops(false));

  it('does so when the signal reaches every process at once, as Ctrl-C does (SIGINT to the process group, three stops)', stops(true));
});
