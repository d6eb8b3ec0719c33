import { expect } from 'chai';
import { Agent, createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { drainable, QUIET_MS } from '../../src/api/http-drain.js';

type Answer = { status: number; connection: string | undefined };

/** A GET on `agent`'s kept-alive connections; undefined when the connection was refused or reset (the server is gone), the error's code noted in `errors`. */
const get = (port: number, agent: Agent, path = '/', errors: string[] = []): Promise<Answer | undefined> =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      errors.push(error.code ?? error.message);
      resolve(undefined);
    });
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
  let slowInFlight: number;

  beforeEach(async () => {
    agents = [];
    slowInFlight = 0;
    server = createServer((req, res) => {
      if (req.url === '/hang') return; // never answered
      if (req.url === '/slow') {
        slowInFlight += 1;
        setTimeout(() => {
          slowInFlight -= 1;
          res.end('ok');
        }, 100);
      }
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

  it('answers each busy connection once more with Connection: close, then has none left, while its clients still send; none is reset under a request', async () => {
    server.keepAliveTimeout = 60_000;
    const http = drainable(server);
    const clients = Array.from({ length: 8 }, () => keptAlive());
    let draining = false;
    const afterDrain: Array<Answer | undefined> = [];
    const errors: string[] = [];
    let sending = true;
    const loops = clients.map(async (agent) => {
      while (sending) {
        const answer = await get(port, agent, '/slow', errors);
        if (draining) afterDrain.push(answer); // answered after the drain began (sent before it, some)
        if (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 250));
    // Each connection with a request in flight (none at rest: one at rest is closed by server.close(), and
    // a request on its way to it meets a closed connection, as at any keep-alive timeout).
    while (slowInFlight < clients.length) await new Promise((resolve) => setImmediate(resolve));
    draining = true;
    await http.drain(60_000); // resolves once every connection is closed, long before 60 s
    sending = false;
    await Promise.all(loops);
    const answered = afterDrain.filter((a): a is Answer => a !== undefined);
    expect(answered.length, 'the requests in flight, each answered').to.equal(clients.length);
    for (const answer of answered) expect(answer.connection).to.equal('close');
    // Their clients went to open new connections, refused: none had its request cut off.
    expect(errors.filter((code) => code !== 'ECONNREFUSED')).to.deep.equal([]);
    expect(await get(port, keptAlive()), 'no new connection taken').to.equal(undefined);
  });

  it('closes no connection under a request on its way: back-to-back clients are answered or refused, never reset', async () => {
    const http = drainable(server);
    const errors: string[] = [];
    let sending = true;
    const loops = Array.from({ length: 16 }, () => keptAlive()).map(async (agent) => {
      while (sending) if ((await get(port, agent, '/', errors)) === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await http.drain(60_000);
    sending = false;
    await Promise.all(loops);
    // Refused: a new connection after the answer that closed the last one. Reset: a request cut off.
    expect(errors.filter((code) => code !== 'ECONNREFUSED')).to.deep.equal([]);
  });

  it('closes a kept-alive connection left at rest by its client, without waiting for the keep-alive timeout', async () => {
    server.keepAliveTimeout = 60_000;
    const http = drainable(server);
    const agent = keptAlive();
    expect(await get(port, agent)).to.deep.equal({ status: 200, connection: 'keep-alive' });
    await http.drain(60_000); // resolves once that connection is closed: QUIET_MS after its last answer
    expect(await get(port, keptAlive()), 'no new connection taken').to.equal(undefined);
  });

  it('closes a connection whose request is never answered once drainMs has passed', async () => {
    const http = drainable(server);
    const pending = get(port, keptAlive(), '/hang');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await http.drain(200);
    expect(await pending, 'its connection closed under it').to.equal(undefined);
  });

  it('answers a request taken before the drain with Connection: close, so that its connection ends with it', async () => {
    server.keepAliveTimeout = 60_000; // node would close it at rest only after this
    const http = drainable(server);
    const slow = get(port, keptAlive(), '/slow');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await http.drain(60_000);
    expect(await slow).to.deep.equal({ status: 200, connection: 'close' });
  });
  /** A raw connection: what it was sent, whether the server ended it, and its error's code. */
  const raw = (onConnect?: (socket: Socket) => void) => {
    const seen = { text: '', ended: false, error: undefined as string | undefined, connected: false };
    const socket = connect(port, '127.0.0.1', () => {
      seen.connected = true;
      onConnect?.(socket);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (seen.text += chunk));
    socket.on('end', () => (seen.ended = true));
    socket.on('error', (error: NodeJS.ErrnoException) => (seen.error = error.code ?? error.message));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    return { socket, seen, closed };
  };

  it('does not take a connection whose request is still coming in for one at rest', async () => {
    server.keepAliveTimeout = 60_000;
    const http = drainable(server);
    const client = raw((socket) => socket.write('GET / HTTP/1.1\r\nHost: shop\r\n'));
    while (!client.seen.connected) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const drained = http.drain(5_000);
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS * 2));
    client.socket.write('Accept: */*\r\n\r\n'); // the rest of its head, after the time at which one at rest is closed
    await client.closed;
    await drained;
    expect(client.seen.error).to.equal(undefined);
    expect(client.seen.text).to.match(/^HTTP\/1\.1 200/).and.match(/connection: close/i);
  });
});
