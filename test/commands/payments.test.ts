import { expect } from 'chai';
import { CommandHandler, type CommandContext } from '../../src/commands/command-handler.js';
import { chargePayment, expirePayment, reconcilePayment } from '../../src/commands/payments.js';
import { customerDecider, customerStream } from '../../src/domain/customer/customer.js';
import { orderDecider, orderStream } from '../../src/domain/ordering/order.js';
import { paymentDecider, paymentStream } from '../../src/domain/payment/payment.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import type { ChargeRequest, ChargeResult, PaymentProvider, TokenDescription } from '../../src/infrastructure/payments/payment-provider.js';

const PAYMENT = '7d4f2c1e-5b3a-4e8f-9c6d-2a1b0e9f8d7c';
const KEY = `charge:${PAYMENT}`;

/** A provider whose ledger the test writes, counting the charges it is asked for. */
class FakeProvider implements PaymentProvider {
  readonly ledger = new Map<string, ChargeResult>();
  charges = 0;
  /** How a charge answers (default: captured, kept in the ledger). */
  onCharge: (request: ChargeRequest) => Promise<ChargeResult> = async (request) => this.capture(request.idempotencyKey);

  capture(key: string): ChargeResult {
    const result: ChargeResult = { outcome: 'captured', reference: 'ch_1' };
    this.ledger.set(key, result);
    return result;
  }

  charge(request: ChargeRequest): Promise<ChargeResult> {
    this.charges += 1;
    return this.onCharge(request);
  }

  async refund(): Promise<{ reference: string }> {
    return { reference: 're_1' };
  }

  async findCharge(key: string): Promise<ChargeResult | undefined> {
    return this.ledger.get(key);
  }

  async describeToken(): Promise<TokenDescription> {
    return { outcome: 'valid', brand: 'visa', last4: '4242' };
  }
}

describe('Payment jobs', () => {
  let store: SqliteEventStore;
  let commands: CommandHandler;
  let provider: FakeProvider;
  let now: number;
  const deps = () => ({ commands, provider, clock: () => new Date(now) });
  const types = async () => (await store.readStream(paymentStream(PAYMENT))).map((e) => e.type);

  /** A payment requested now, due `deadlineMs` later. */
  const requested = async (deadlineMs: number) => {
    const context: CommandContext = { correlationId: 'c', causationId: 'c', actor: 'test', now: new Date(now).toISOString() };
    await commands.handle(
      paymentDecider,
      paymentStream(PAYMENT),
      {
        type: 'RequestPayment',
        paymentId: PAYMENT,
        orderId: 'order-1',
        customerId: 'customer-1',
        amount: { amount: 1000, currency: 'USD' },
        token: 'tok_visa',
        expiresAt: new Date(now + deadlineMs).toISOString(),
        now: context.now,
      },
      context,
    );
  };

  beforeEach(() => {
    store = new SqliteEventStore({ path: ':memory:' });
    commands = new CommandHandler(store, { schema: eventSchema([]) });
    provider = new FakeProvider();
    now = Date.now();
  });
  afterEach(async () => store.close());

  it('charges a pending payment and records the capture', async () => {
    await requested(30_000);
    await chargePayment(deps(), PAYMENT);
    expect(provider.charges).to.equal(1);
    expect(await types()).to.deep.equal(['PaymentRequested', 'PaymentProcessed']);
  });

  it("voids, never charges, a payment whose customer was erased meanwhile (keys destroyed or not yet), and has its order drop the address", async () => {
    await requested(30_000);
    const context: CommandContext = { correlationId: 'c', causationId: 'c', actor: 'test', now: new Date(now).toISOString() };
    await commands.handle(orderDecider, orderStream('order-1'), {
      type: 'CreateOrder', orderId: 'order-1', customerId: 'customer-1', paymentId: PAYMENT, shipmentId: 'shipment-1',
      lines: [{ productId: 'p-1', sku: 'MUG-1', name: 'Mug', quantity: 1, unitPrice: { amount: 1000, currency: 'USD' } }],
      shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' }, paymentMethod: { token: 'tok_visa' }, now: context.now,
    }, context);
    await commands.handle(customerDecider, customerStream('customer-1'), { type: 'RegisterCustomer', customerId: 'customer-1', email: 'ann@test.local', name: 'Ann', passwordHash: 'x', role: 'customer', now: context.now }, context);
    await commands.handle(customerDecider, customerStream('customer-1'), { type: 'EraseCustomer', by: 'customer', now: context.now }, context);
    await chargePayment(deps(), PAYMENT);
    expect(provider.charges).to.equal(0);
    const events = await store.readStream(paymentStream(PAYMENT));
    expect(events.map((e) => [e.type, e.data.reason])).to.deep.equal([['PaymentRequested', undefined], ['PaymentFailed', 'customer-erased']]);
    // The erasure's job looked at the orders before this one was placed: the void tells the order instead.
    expect((await store.readStream(orderStream('order-1'))).map((e) => e.type)).to.deep.equal(['OrderCreated', 'OrderCustomerErased']);
    await chargePayment(deps(), PAYMENT); // run again (after a crash, say): nothing more
    expect((await store.readStream(orderStream('order-1'))).map((e) => e.type)).to.deep.equal(['OrderCreated', 'OrderCustomerErased']);
    expect(provider.charges).to.equal(0);
  });

  it('charges as before a payment whose customer stands', async () => {
    await requested(30_000);
    const context: CommandContext = { correlationId: 'c', causationId: 'c', actor: 'test', now: new Date(now).toISOString() };
    await commands.handle(customerDecider, customerStream('customer-1'), { type: 'RegisterCustomer', customerId: 'customer-1', email: 'ann@test.local', name: 'Ann', passwordHash: 'x', role: 'customer', now: context.now }, context);
    await chargePayment(deps(), PAYMENT);
    expect(provider.charges).to.equal(1);
  });

  it('retried after the payment failed at its deadline, asks what an attempt cut short did: a capture becomes a refund, and nothing is charged', async () => {
    await requested(30_000);
    provider.capture(KEY); // captured, then the process died before recording it
    now += 31_000;
    await expirePayment(deps(), PAYMENT);
    await chargePayment(deps(), PAYMENT);
    expect(provider.charges).to.equal(0);
    expect(await types()).to.deep.equal(['PaymentRequested', 'PaymentFailed', 'PaymentCapturedLate', 'PaymentRefundRequested']);
  });

  it('retried after the payment failed, records nothing when no attempt reached the provider', async () => {
    await requested(30_000);
    now += 31_000;
    await expirePayment(deps(), PAYMENT);
    await chargePayment(deps(), PAYMENT);
    expect(provider.charges).to.equal(0);
    expect(await types()).to.deep.equal(['PaymentRequested', 'PaymentFailed']);
  });

  it('past the deadline of a payment still pending, records a capture an earlier attempt made, and charges nothing', async () => {
    await requested(30_000);
    provider.capture(KEY);
    now += 31_000;
    await chargePayment(deps(), PAYMENT);
    expect(provider.charges).to.equal(0);
    expect(await types()).to.deep.equal(['PaymentRequested', 'PaymentProcessed']);
  });

  it('asks the provider, when no answer came by the deadline, what became of the charge', async () => {
    await requested(50);
    // Captured at the provider, but the answer never arrives: only the deadline ends the call.
    provider.onCharge = (request) => {
      provider.capture(request.idempotencyKey);
      return new Promise((_resolve, reject) => request.signal?.addEventListener('abort', () => reject(request.signal!.reason)));
    };
    await chargePayment(deps(), PAYMENT);
    expect(provider.charges).to.equal(1);
    expect(await types()).to.deep.equal(['PaymentRequested', 'PaymentProcessed']);
  });

  it('reconciles a payment failed at its deadline: a capture the provider has on record is recorded late and its refund asked; none, nothing', async () => {
    await requested(30_000);
    now += 31_000;
    await expirePayment(deps(), PAYMENT);
    await reconcilePayment(deps(), PAYMENT);
    expect(await types()).to.deep.equal(['PaymentRequested', 'PaymentFailed']);
    provider.capture(KEY);
    await reconcilePayment(deps(), PAYMENT);
    await reconcilePayment(deps(), PAYMENT); // again: done already
    await chargePayment(deps(), PAYMENT); // the charge job, once its lease is over: done already
    expect(provider.charges).to.equal(0);
    expect(await types()).to.deep.equal(['PaymentRequested', 'PaymentFailed', 'PaymentCapturedLate', 'PaymentRefundRequested']);
  });

  it('retries (throws) when the provider fails before the deadline', async () => {
    await requested(30_000);
    provider.onCharge = async () => {
      throw new Error('connection reset');
    };
    const error = await chargePayment(deps(), PAYMENT).catch((e: unknown) => e);
    expect((error as Error).message).to.equal('connection reset');
    expect(await types()).to.deep.equal(['PaymentRequested']);
  });
});
