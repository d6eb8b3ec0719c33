import { expect } from 'chai';
import type { Worker } from 'node:cluster';
import { connect, type Socket } from 'node:net';
import { ConnectionHandout, STALLED_MS } from '../../src/cluster/connection-handout.js';
import { eventually } from '../support/temp-dir.js';

/**
 * The primary's handout of connections (WORKERS=n) with workers that are stand-ins: each says
 * which connections it was sent, and takes them at once, or not while it is "frozen". A probe
 * froze a worker (SIGSTOP): every other new connection went to it and hung for as long as it
 * stayed frozen, the primary holding a file descriptor for each.
 */
describe('the handout of connections to workers (WORKERS=n)', function () {
  this.timeout(20_000);
  let clock = 0;
  let handout: ConnectionHandout;
  let port: number;
  const clients: Socket[] = [];
  /** What the clients' connections ended with (a reset by the primary). */
  const resets: string[] = [];

  type StandIn = { worker: Worker; sent: number[]; frozen: boolean; untaken: number[] };
  const standIn = (): StandIn => {
    const self: StandIn = { sent: [], frozen: false, untaken: [], worker: undefined as unknown as Worker };
    self.worker = {
      send: (message: { id: number }, _socket: Socket, _options: unknown, callback: (error: Error | null) => void) => {
        self.sent.push(message.id);
        if (self.frozen) self.untaken.push(message.id);
        else handout.took(message.id);
        callback(null);
        return true;
      },
    } as unknown as Worker;
    return self;
  };
  /** The stand-in wakes and takes what waited for it, in order. */
  const thaw = (w: StandIn) => {
    w.frozen = false;
    for (const id of w.untaken.splice(0)) handout.took(id);
  };
  const sentTotal = (workers: StandIn[]) => workers.reduce((n, w) => n + w.sent.length, 0);
  /** Opens a connection and waits until the handout sent it to a worker. */
  const open = async (workers: StandIn[]) => {
    const before = sentTotal(workers);
    const client = connect(port, '127.0.0.1');
    client.on('error', (error: NodeJS.ErrnoException) => resets.push(error.code ?? error.message));
    clients.push(client);
    await eventually(async () => (sentTotal(workers) > before ? true : undefined), 5_000);
  };

  beforeEach(async () => {
    clock = 0;
    resets.splice(0);
    handout = new ConnectionHandout(STALLED_MS, () => clock);
    port = await handout.listen(0, '127.0.0.1');
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await handout.close();
  });

  it('skips a worker that left a connection untaken for STALLED_MS, and turns to it again once it takes what waited', async () => {
    const [a, b] = [standIn(), standIn()];
    handout.serves(a.worker);
    handout.serves(b.worker);
    for (let i = 0; i < 4; i += 1) await open([a, b]);
    expect([a.sent.length, b.sent.length], 'in turn while both take their connections').to.deep.equal([2, 2]);

    a.frozen = true;
    await open([a, b]);
    await open([a, b]);
    expect(a.untaken, 'one sent to the frozen worker before it was found stalled').to.have.length(1);
    clock += STALLED_MS - 1;
    expect(handout.stalled(a.worker), 'not yet').to.equal(false);
    clock += 1;
    expect(handout.stalled(a.worker)).to.equal(true);
    const before = a.sent.length;
    for (let i = 0; i < 6; i += 1) await open([a, b]);
    expect(a.sent.length, 'none sent to the stalled worker').to.equal(before);
    expect(b.sent.length).to.equal(2 + 1 + 6);

    thaw(a);
    expect(handout.stalled(a.worker)).to.equal(false);
    const [fromA, fromB] = [a.sent.length, b.sent.length];
    for (let i = 0; i < 4; i += 1) await open([a, b]);
    expect([a.sent.length - fromA, b.sent.length - fromB], 'in turn again').to.deep.equal([2, 2]);
  });

  it('goes on in turn when every worker is stalled: nothing is refused or kept waiting for a worker that may wake', async () => {
    const [a, b] = [standIn(), standIn()];
    handout.serves(a.worker);
    handout.serves(b.worker);
    a.frozen = true;
    b.frozen = true;
    await open([a, b]);
    await open([a, b]);
    clock += STALLED_MS;
    expect([handout.stalled(a.worker), handout.stalled(b.worker)]).to.deep.equal([true, true]);
    for (let i = 0; i < 4; i += 1) await open([a, b]);
    expect([a.sent.length, b.sent.length]).to.deep.equal([3, 3]);
    thaw(a);
    thaw(b);
    expect([handout.stalled(a.worker), handout.stalled(b.worker)]).to.deep.equal([false, false]);
  });

  it('forgets what a worker that died left untaken (its connections reset), so a worker started in its place is not taken for stalled', async () => {
    const [a, b] = [standIn(), standIn()];
    handout.serves(a.worker);
    handout.serves(b.worker);
    a.frozen = true;
    await open([a, b]);
    clock += STALLED_MS;
    expect(handout.stalled(a.worker)).to.equal(true);
    handout.gone(a.worker);
    expect(handout.stalled(a.worker)).to.equal(false);
    await eventually(async () => (resets.length > 0 ? true : undefined), 5_000);
    expect(resets, 'the connection it left untaken is reset: its client tries again').to.deep.equal(['ECONNRESET']);
    const c = standIn();
    handout.serves(c.worker);
    for (let i = 0; i < 4; i += 1) await open([b, c]);
    expect([b.sent.length, c.sent.length]).to.deep.equal([2, 2]);
  });
});
