import { expect } from 'chai';
import { join } from 'node:path';
import type { BookingRequest } from '../../src/infrastructure/carrier/carrier.js';
import { SimulatedCarrier, type WebhookJob } from '../../src/infrastructure/carrier/simulated-carrier.js';
import { verifySignature } from '../../src/infrastructure/carrier/webhook-signature.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { tempDir } from '../support/temp-dir.js';

/** The simulated carrier as the Carrier port promises: idempotent bookings, refusals, silence, reports signed and called off. */
describe('The simulated carrier', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: EmbeddedReadModelStore;
  let scheduled: WebhookJob[];
  let sent: Array<{ body: string; headers: Record<string, string> }>;
  let carrier: SimulatedCarrier;
  const NOW = new Date('2026-01-31T12:00:00.000Z');
  const SECRET = 'a-secret-of-enough-length';

  beforeEach(() => {
    dir = tempDir();
    store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    scheduled = [];
    sent = [];
    carrier = new SimulatedCarrier(store, {
      transitMs: 1000,
      deliveryMs: 2000,
      secret: SECRET,
      clock: () => NOW,
      schedule: async (jobs) => void scheduled.push(...jobs),
      send: async (body, headers) => {
        sent.push({ body, headers });
        return 200;
      },
    });
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  const SHIPMENT = '9b2f4c1e-3d5a-4e6f-8a7b-1c2d3e4f5a6b';
  const request = (postalCode = '12345', key = 'book:1'): BookingRequest => ({
    idempotencyKey: key,
    shipmentId: SHIPMENT,
    address: { line1: '1 Main St', city: 'Springfield', postalCode, country: 'US' },
    lines: [],
  });

  it('books: a reference, a tracking number from the shop\'s reference, and a label', async () => {
    const result = await carrier.book(request());
    expect(result).to.deep.include({ outcome: 'booked', trackingNumber: 'TRK9B2F4C1E3D5A4E6F' });
    const booked = result as { reference: string; labelUrl: string };
    expect(booked.reference).to.match(/^SC-[0-9A-F]{12}$/);
    expect(booked.labelUrl).to.equal(`https://carrier.local/labels/${booked.reference}.pdf`);
  });

  it('answers a repeated key with its first answer, booking and scheduling nothing more', async () => {
    const first = await carrier.book(request());
    expect(await carrier.book(request())).to.deep.equal(first);
    expect(await carrier.bookings()).to.have.length(1);
    expect(scheduled).to.have.length(2);
  });

  it('books again under another key', async () => {
    const first = await carrier.book(request('12345', 'book:1'));
    const second = await carrier.book(request('12345', 'book:2'));
    expect(second).not.to.deep.equal(first);
  });

  it('refuses postal code 00000, with a reason, and remembers the refusal', async () => {
    const refused = await carrier.book(request('00000'));
    expect(refused).to.deep.equal({ outcome: 'refused', reason: 'the carrier does not serve postal code 00000' });
    expect(await carrier.book(request('12345'))).to.deep.equal(refused);
    expect(scheduled).to.deep.equal([]);
  });

  it('never answers for postal code 99999: the call ends when its signal aborts, and nothing is booked', async () => {
    const signal = AbortSignal.timeout(30);
    let error: unknown;
    await carrier.book({ ...request('99999'), signal }).catch((e: unknown) => (error = e));
    expect((error as Error).name).to.equal('TimeoutError');
    expect(await carrier.bookings()).to.deep.equal([]);
  });

  it('schedules its reports when it books: in transit after the transit time, delivered after the delivery time more', async () => {
    const booked = (await carrier.book(request())) as { reference: string };
    expect(scheduled.map((job) => [job.id, job.kind, job.runAt, job.dueInMs, job.payload.status])).to.deep.equal([
      [`carrier-webhook:${booked.reference}:InTransit`, 'carrier-webhook', '2026-01-31T12:00:01.000Z', 1000, 'InTransit'],
      [`carrier-webhook:${booked.reference}:Delivered`, 'carrier-webhook', '2026-01-31T12:00:03.000Z', 3000, 'Delivered'],
    ]);
    expect(scheduled[0]!.payload).to.deep.include({ shipmentId: SHIPMENT, reference: booked.reference, occurredAt: '2026-01-31T12:00:01.000Z' });
    expect(new Set(scheduled.map((job) => job.payload.eventId)).size).to.equal(2);
  });

  it('fails the delivery of postal code 99998, with a reason', async () => {
    await carrier.book(request('99998'));
    expect(scheduled.map((job) => job.payload.status)).to.deep.equal(['InTransit', 'DeliveryFailed']);
    expect(scheduled[1]!.payload.reason).to.be.a('string').and.not.equal('');
  });

  it('signs each report it sends over its timestamp and exact body', async () => {
    await carrier.book(request());
    await carrier.sendReport(scheduled[0]!.payload);
    const [{ body, headers }] = sent as [{ body: string; headers: Record<string, string> }];
    expect(JSON.parse(body)).to.deep.equal(scheduled[0]!.payload);
    const signed = { timestamp: headers['X-Carrier-Timestamp'], signature: headers['X-Carrier-Signature'] };
    expect(verifySignature(SECRET, signed, Buffer.from(body), NOW)).to.deep.equal({ ok: true });
    expect(verifySignature('another-secret-of-length', signed, Buffer.from(body), NOW).ok).to.equal(false);
  });

  it('throws when the shop does not answer 2xx, so the report is sent again', async () => {
    const refusing = new SimulatedCarrier(store, { transitMs: 0, deliveryMs: 0, secret: SECRET, clock: () => NOW, schedule: async () => undefined, send: async () => 422 });
    await refusing.book(request());
    const booked = (await refusing.bookings())[0]!.result as { reference: string; trackingNumber: string };
    const report = { eventId: 'evt_1', shipmentId: SHIPMENT, reference: booked.reference, trackingNumber: booked.trackingNumber, status: 'InTransit' as const, occurredAt: NOW.toISOString() };
    let error: unknown;
    await refusing.sendReport(report).catch((e: unknown) => (error = e));
    expect(String(error)).to.include('422');
  });

  it("sends a parcel's reports in order: the delivery waits (its job retried) until the shop took the in-transit report", async () => {
    await carrier.book(request());
    const [inTransit, delivered] = scheduled as [WebhookJob, WebhookJob];
    let error: unknown;
    await carrier.sendReport(delivered.payload).catch((e: unknown) => (error = e));
    expect(String(error)).to.include('waits for its in-transit report');
    expect(sent).to.deep.equal([]);
    await carrier.sendReport(inTransit.payload);
    await carrier.sendReport(delivered.payload);
    expect(sent.map(({ body }) => (JSON.parse(body) as { status: string }).status)).to.deep.equal(['InTransit', 'Delivered']);
    expect((await carrier.bookings())[0]!.sent).to.deep.equal({ InTransit: true, Delivered: true });
  });

  it('sends nothing more of a booking called off', async () => {
    const booked = (await carrier.book(request())) as { reference: string };
    await carrier.cancel({ idempotencyKey: 'cancel:1', reference: booked.reference });
    await carrier.cancel({ idempotencyKey: 'cancel:1', reference: booked.reference });
    for (const job of scheduled) await carrier.sendReport(job.payload);
    expect(sent).to.deep.equal([]);
    expect((await carrier.bookings())[0]!.cancelledAt).to.equal(NOW.toISOString());
  });
});
