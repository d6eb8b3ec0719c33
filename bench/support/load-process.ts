import { Agent, request } from 'node:http';
import { histogram } from './metrics.js';
import { cartCommand, emmettCommand, load, productQuery, type Load, type LoadResult } from './shop-load.js';

/**
 * The shop's load (the cart command, the product query with `route: 'query'`, or the cart
 * command on Emmett's sample with `route: 'emmett-command'`) in a
 * process of its own, so that it takes no time from the event loop of a server running in
 * the benchmark's process. Started by load-elsewhere.ts with an IPC channel, it runs each
 * spec it is sent (`{ id, spec }`) and answers `{ id, result }` or `{ id, error }`, one window
 * at a time, until the channel closes.
 * Without `steadyRate`: autocannon, 50 connections, as fast as answers come (closed loop).
 * With it: one request every 1/steadyRate s on schedule, whatever the answers are doing
 * (open loop), on `connections` sockets (default 256), opened before the window as
 * autocannon and wrk open theirs. autocannon's own rate limit sends each second's quota in a
 * burst at the start of the second, which is not a steady load.
 *
 * Why the sockets are opened first: a Node server accepts one new connection per turn of its
 * event loop (libuv, seen with strace: one accept4 per epoll_wait), so a burst of sockets
 * opened in the window's first milliseconds waits for as many turns. Against a server whose
 * turns take milliseconds, that was most of the window's p99 (a second, for requests on
 * new sockets; 30 ms on open ones), a figure of the client's connection pattern rather than
 * of answering requests. Both sides of a pair get the same open sockets.
 */
export type LoadSpec = { url: string; products: string[]; tokens: string[]; seconds: number; steadyRate?: number; route?: 'command' | 'query' | 'emmett-command'; connections?: number };

const steady = async (url: string, spec: Load, seconds: number, rate: number, connections = 256): Promise<LoadResult> => {
  const latency = histogram();
  // Keep-alive connections, as many as the requests in flight need (what a fleet of clients
  // opens). Idle ones are closed after 4 s, before the server's 5 s keep-alive timeout: else a
  // request can go out on a socket the server is closing that very moment (ECONNRESET).
  const agent = new Agent({ keepAlive: true, maxSockets: connections, timeout: 4000 });
  await openSockets(url, agent, connections);
  const total = Math.round(seconds * rate);
  const inFlight: Promise<void>[] = [];
  let failed = 0;
  let lastError: string | undefined;
  const start = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const token = spec.token?.(i);
    const sent = performance.now();
    inFlight.push(
      new Promise<void>((resolve, reject) => {
        const body = spec.body ? JSON.stringify(spec.body(i)) : undefined;
        const req = request(
          `${url}${spec.path(i)}`,
          {
            agent,
            method: spec.method,
            headers: {
              'content-type': 'application/json',
              ...(body ? { 'content-length': Buffer.byteLength(body) } : {}),
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              if ((res.statusCode ?? 500) >= 300) failed += 1;
              // From when it was due: a request this process sent late (its loop busy with answers) waited that long too.
              latency.recordMs(performance.now() - Math.min(sent, due));
              resolve();
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      }).catch((error: unknown) => {
        // Counted, not left unhandled while the loop waits for the next request's time.
        failed += 1;
        lastError = error instanceof Error ? error.message : String(error);
      }),
    );
  }
  const elapsed = (performance.now() - start) / 1000;
  await Promise.all(inFlight);
  agent.destroy();
  if (failed > 0) throw new Error(`${failed} requests failed at ${url}${lastError ? ` (last error: ${lastError})` : ''}`);
  return { rate: total / elapsed, p50: latency.percentileMs(50), p99: latency.percentileMs(99), requests: total, failed: 0 };
};

/** Opens `count` keep-alive sockets in `agent` (each answers one request to /health, unmeasured) and leaves them free. */
const openSockets = async (url: string, agent: Agent, count: number): Promise<void> => {
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(`${url}/health`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  await Promise.all(Array.from({ length: count }, one));
  const free = Object.values(agent.freeSockets).reduce((sum, sockets) => sum + (sockets?.length ?? 0), 0);
  if (free < count) throw new Error(`only ${free} of ${count} sockets stayed open to ${url}`);
};

const run = (spec: LoadSpec): Promise<LoadResult> => {
  const requests =
    spec.route === 'query' ? productQuery(spec.products) : spec.route === 'emmett-command' ? emmettCommand(cartCommand(spec.products, spec.tokens)) : cartCommand(spec.products, spec.tokens);
  return spec.steadyRate
    ? steady(spec.url, requests, spec.seconds, spec.steadyRate, spec.connections)
    : load(spec.url, requests, spec.seconds, spec.connections ? { connections: spec.connections } : {});
};

// One window at a time, in the order they are sent: two at once would share this process's event loop.
let queue = Promise.resolve();
process.on('message', (message) => {
  const { id, spec } = message as { id: number; spec: LoadSpec };
  // A spec that fails as it is read (a throw inside run) is answered as a failed window too, and the queue goes on.
  queue = queue
    .then(() => run(spec))
    .then(
      (result) => void process.send!({ id, result }),
      (error: unknown) => void process.send!({ id, error: error instanceof Error ? error.message : String(error) }),
    );
});
process.on('disconnect', () => process.exit(0));
