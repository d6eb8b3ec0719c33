import { expect } from 'chai';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { drainable } from '../../src/api/http-drain.js';

type Answer = { status: number; connection: string | undefined };

/** A GET on `agent`'s kept-alive connections; undefined when the connection was refused or reset (the server is gone). */
const get = (port: number, agent: Agent, path = '/'): Promise<Answer | undefined> =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });

/**
 * A server's clean stop (src/api/http-drain.ts). node's `server.close()` leaves a kept-alive
 * connection open for as long as its client keeps it busy: a probe's clients were answered for
 * 30 s after SIGTERM, and the stop (with the jobs' grace behind it) waited for them.
 */
describe('drainable: an HTTP server that stops while its clients keep their connections busy', () => {
  let server: Server;
  let port: number;
  let agents: Agent[];

  beforeEach(async () => {
    agents = [];
    server = createServer((req, res) => {
      if (req.url === '/hang') return; // never answered
      if (req.url === '/slow') setTimeout(() => res.end('ok'), 100);
      else res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    for (const agent of agents) agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const keptAlive = () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  };

  it('answers each busy connection once more with Connection: close, then has none left, while its clients still send', async () => {
    const http = drainable(server);
    const clients = Array.from({ length: 4 }, () => keptAlive());
    let draining = false;
    const afterDrain: Array<Answer | undefined> = [];
    let sending = true;
    const loops = clients.map(async (agent) => {
      while (sending) {
        const wasDraining = draining;
        const answer = await get(port, agent);
        if (wasDraining) afterDrain.push(answer);
        if (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    draining = true;
    await http.drain(60_000); // resolves once every connection is closed, long before 60 s
    const answered = afterDrain.filter((a): a is Answer => a !== undefined);
    sending = false;
    await Promise.all(loops);
    expect(answered.length, 'at most one answer per connection once draining').to.be.at.most(clients.length);
    for (const answer of answered) expect(answer.connection).to.equal('close');
    expect(await get(port, keptAlive()), 'no new connection taken').to.equal(undefined);
  });

  it('closes a connection whose request is never answered once drainMs has passed', async () => {
    const http = drainable(server);
    const pending = get(port, keptAlive(), '/hang');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await http.drain(200);
    expect(await pending, 'its connection closed under it').to.equal(undefined);
  });

  it('closes a connection left at rest by an answer begun before the drain', async () => {
    server.keepAliveTimeout = 60_000; // node would close it only after this
    const http = drainable(server);
    const agent = keptAlive();
    const slow = get(port, agent, '/slow');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await http.drain(60_000);
    expect(await slow, 'answered as it began: keep-alive').to.deep.equal({ status: 200, connection: 'keep-alive' });
  });
});
