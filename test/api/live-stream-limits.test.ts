import { expect } from 'chai';
import { LiveStreams, MAX_STREAMS } from '../../src/api/live-streams.js';
import { TooManyRequestsError, UnavailableError } from '../../src/domain/shared/errors.js';
import { buy, stockedProduct, type Shopper } from '../support/shop.js';
import { listening, readEvents } from '../support/sse.js';
import { eventually } from '../support/temp-dir.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A live order stream costs little (about 14 KB), but a process holds a bounded number, and
 * accounts are free to make: 100 of them, 20 streams each, had taken all 2,000 of a process
 * from one address, and every other customer's live page was refused (503). A client address
 * holds its share of a process's streams (429 past it), and a process holds far more.
 */
describe('GET /api/v1/orders/:id/events: live streams per client address', () => {
  const FROM = '198.51.100.7';
  let app: TestApp;
  let served: Awaited<ReturnType<typeof listening>>;
  let admin: string;
  let shopper: Shopper;
  let orderId: string;
  beforeEach(async () => {
    // Small shares, so that a test fills them: 2 streams an address, 20 an account, 50 a process.
    app = await startTestApp({ trustProxy: true, liveStreams: new LiveStreams(50, 20, 2) });
    served = await listening(app);
    admin = await app.adminToken();
    shopper = await app.customer();
    const { productId } = await stockedProduct(app, admin, 5);
    orderId = await buy(app, shopper, productId, 1);
  });
  afterEach(async () => served.close());

  const open = (token: string, from: string, timeoutMs = 15_000) =>
    readEvents(`${served.base}/api/v1/orders/${orderId}/events`, { Authorization: `Bearer ${token}`, 'X-Forwarded-For': from }, () => false, timeoutMs);
  const streams = (count: number) => eventually(async () => (app.deps.liveStreams.size === count ? true : undefined));

  it("refuses an address its share's next stream, whichever account asks: 429 problem+json with Retry-After, nothing appended; another address is served", async () => {
    const first = open(shopper.token, FROM, 1_500);
    void open(admin, FROM);
    await streams(2);

    for (const token of [shopper.token, admin]) {
      const refused = await open(token, FROM);
      expect(refused.response.status).to.equal(429);
      expect(refused.response.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(refused.response.headers.get('retry-after')).to.equal('5');
      expect(refused.body).to.include({ status: 429, detail: 'this address holds 2 live streams on this server: close one first' });
      const requestId = refused.response.headers.get('x-request-id');
      expect((await app.events()).filter((event) => event.metadata.correlationId === requestId)).to.deep.equal([]);
    }
    void open(shopper.token, '198.51.100.8');
    await streams(3);

    // A stream let go gives the address its place back.
    await first;
    await streams(2);
    void open(shopper.token, FROM);
    await streams(3);
  });
});

describe('LiveStreams per client address', () => {
  const fake = () => ({ end: () => undefined }) as never;
  /** The i-th client of many: 100 streams an address, 20 an account (the shop's shares). */
  const addressOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

  it('holds far more than 2,000 streams of many clients, up to its limit (503 past it)', () => {
    const streams = new LiveStreams();
    expect(MAX_STREAMS).to.be.at.least(10_000);
    for (let i = 0; i < MAX_STREAMS; i += 1) streams.add(fake(), `c-${Math.floor(i / 20)}`, addressOf(Math.floor(i / 100)));
    expect(streams.size).to.equal(MAX_STREAMS);
    expect(() => streams.add(fake(), 'c-new', '192.0.2.200')).to.throw(UnavailableError, `holds ${MAX_STREAMS} live streams`).with.property('retryAfterSeconds', 5);
  });

  it('holds at most 100 streams of one address by default, whatever its accounts', () => {
    const streams = new LiveStreams();
    for (let i = 0; i < 100; i += 1) streams.add(fake(), `c-${Math.floor(i / 20)}`, '192.0.2.1');
    expect(() => streams.add(fake(), 'c-other', '192.0.2.1')).to.throw(TooManyRequestsError, 'this address holds 100 live streams').with.property('retryAfterSeconds', 5);
    expect(() => streams.add(fake(), 'c-other', '192.0.2.2')).not.to.throw();
  });

  it('counts an address however it is written, an IPv6 client by its /64; a release gives its place back once', () => {
    const streams = new LiveStreams(100, 20, 2);
    const release = streams.add(fake(), 'c-1', '2001:db8:0:1::1');
    streams.add(fake(), 'c-2', '[2001:db8:0:1:ffff::2]:443');
    expect(() => streams.add(fake(), 'c-3', '2001:db8:0:1::3')).to.throw(TooManyRequestsError, 'this address holds 2');
    streams.add(fake(), 'c-3', '2001:db8:0:2::1');
    streams.add(fake(), 'c-4', '192.0.2.1');
    streams.add(fake(), 'c-5', '::ffff:192.0.2.1');
    expect(() => streams.add(fake(), 'c-6', '192.0.2.1:5000')).to.throw(TooManyRequestsError);
    release();
    release(); // released twice: counted once
    streams.add(fake(), 'c-6', '2001:db8:0:1::9');
    expect(() => streams.add(fake(), 'c-7', '2001:db8:0:1::9')).to.throw(TooManyRequestsError);
  });
});
