import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLoadGenerator, type LoadGenerator } from '../../bench/support/load-elsewhere.js';

/** The benchmarks' load process: one process, kept for every window, that reports each window or its failure. */
describe('bench: the load process', () => {
  let server: Server;
  let url: string;
  let generator: LoadGenerator | undefined;
  const seen = { health: 0, products: 0 };
  let failing = false;

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/health') seen.health += 1;
      else if (req.url?.startsWith('/api/v1/products/')) seen.products += 1;
      res.writeHead(failing ? 500 : 200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await generator?.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  const window = { products: ['p1', 'p2'], tokens: [], route: 'query' as const, seconds: 0.5, steadyRate: 100, connections: 4 };

  it('runs window after window in the one process it started, each on schedule, and a failed window does not end it', async () => {
    generator = startLoadGenerator();
    const first = await generator.run({ url, ...window });
    expect(first).to.include({ requests: 50, failed: 0 });
    // On schedule: 50 requests 10 ms apart, not in a burst (a slow machine may only fall behind).
    expect(first.rate).to.be.within(40, 103);
    expect(first.p50).to.be.greaterThan(0);
    // The sockets are opened first (one unmeasured request each), then the window's requests.
    expect(seen).to.deep.equal({ health: 4, products: 50 });

    failing = true;
    await generator.run({ url, ...window }).then(
      () => expect.fail('a window with failed answers must not resolve'),
      (error: Error) => expect(error.message).to.match(/load process: 50 requests failed at http/),
    );
    failing = false;
    const third = await generator.run({ url, ...window, seconds: 0.2 });
    expect(third).to.include({ requests: 20, failed: 0 });
    expect(seen.products).to.equal(120);
    expect(() => process.kill(generator!.pid!, 0), 'the same process still runs').not.to.throw();
  });

  it('ends its process when stopped, and refuses windows after that', async () => {
    generator ??= startLoadGenerator();
    const pid = generator.pid!;
    await generator.stop();
    expect(() => process.kill(pid, 0)).to.throw(/ESRCH/);
    await generator.run({ url, ...window }).then(
      () => expect.fail('a stopped load process must refuse windows'),
      (error: Error) => expect(error.message).to.match(/the load process exited with 0/),
    );
  });
});
