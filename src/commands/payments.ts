import { customerDecider, customerStream } from '../domain/customer/customer.js';
import { orderDecider, orderStream } from '../domain/ordering/order.js';
import { paymentDecider, paymentStream } from '../domain/payment/payment.js';
import type { ChargeResult, PaymentProvider } from '../infrastructure/payments/payment-provider.js';
import type { CommandContext, CommandHandler } from './command-handler.js';

/**
 * The payment jobs: call the provider with an idempotency key, then record its answer
 * on the payment stream. Each is safe to run again after a crash: the provider answers a
 * repeated key with its first answer, and the payment decides nothing twice.
 */

export type PaymentDeps = { commands: CommandHandler; provider: PaymentProvider; clock: () => Date };

export type JobOrigin = { correlationId?: unknown; causationId?: unknown };

const contextOf = (deps: PaymentDeps, job: string, paymentId: string, origin: JobOrigin): CommandContext => ({
  correlationId: String(origin.correlationId ?? paymentId),
  causationId: String(origin.causationId ?? paymentId),
  actor: `job:${job}`,
  now: deps.clock().toISOString(),
  idempotencyKey: `${job}:${paymentId}`,
});

/**
 * Charges a pending payment. A provider that does not answer before the deadline is asked
 * what became of the charge (the expiry job fails a payment that nothing came of); so is
 * one whose payment failed meanwhile, when this job runs again after a crash.
 */
export const chargePayment = async (deps: PaymentDeps, paymentId: string, origin: JobOrigin = {}) => {
  const { state } = await deps.commands.load(paymentDecider, paymentStream(paymentId));
  const idempotencyKey = `charge:${paymentId}`;
  // Failed without a charge on record (its deadline, a void) while this job was being retried:
  // an earlier attempt may have been captured before a crash kept it from being recorded.
  const failedUnpaid = state.status === 'Failed' && !state.providerReference;
  if (state.status !== 'Pending' && !failedUnpaid) return;
  if (state.status === 'Pending' && (await erased(deps, state.customerId))) {
    // Placed as the customer was erased (a checkout or a renewal in another process, in the moment between the
    // erasure's look at the orders in flight and its CustomerErased): nothing is charged, whether or not the
    // erasure has destroyed the keys that open the token yet. The order is told its customer was erased first
    // (the read models drop its address: the erasure's job may have looked at the orders before this one was
    // placed, and a crash between the two writes finds the payment still pending), then the payment is voided
    // and the saga fails the order (`customer-erased`).
    const context = contextOf(deps, 'charge-payment', paymentId, origin);
    await deps.commands.handle(orderDecider, orderStream(state.orderId), { type: 'ForgetOrderCustomer', now: context.now }, context);
    await deps.commands.handle(paymentDecider, paymentStream(paymentId), { type: 'VoidPayment', reason: 'customer-erased', now: context.now }, context);
    return;
  }
  const left = state.status === 'Pending' ? Date.parse(state.expiresAt) - deps.clock().getTime() : 0;
  let result: ChargeResult | undefined;
  if (left > 0) {
    const signal = AbortSignal.timeout(left);
    try {
      result = await deps.provider.charge({ idempotencyKey, amount: state.amount, token: state.token, signal });
    } catch (error) {
      if (!signal.aborted) throw error; // retried (the same key moves no money twice)
    }
  }
  // Too late to charge, or no answer by the deadline: only find out what the provider did
  // (the decider turns a capture after the payment failed into a refund).
  result ??= await deps.provider.findCharge(idempotencyKey);
  if (result) await recordCharge(deps, 'charge-payment', paymentId, result, origin);
};

const erased = async (deps: PaymentDeps, customerId: string) =>
  (await deps.commands.load(customerDecider, customerStream(customerId))).state.status === 'Erased';

/**
 * Asks the provider what became of the charge of a payment that failed without one (its
 * deadline, a void): a capture whose answer a crash kept from being recorded is recorded
 * now, late, and the payment decider asks for its refund. Scheduled by the saga when a
 * payment fails so; the charge job, whose lease may keep it from running again for a while
 * after a crash, would find the same later.
 */
export const reconcilePayment = async (deps: PaymentDeps, paymentId: string, origin: JobOrigin = {}) => {
  const { state } = await deps.commands.load(paymentDecider, paymentStream(paymentId));
  if (state.status !== 'Failed' || state.providerReference) return;
  const result = await deps.provider.findCharge(`charge:${paymentId}`);
  if (result?.outcome === 'captured') await recordCharge(deps, 'reconcile-payment', paymentId, result, origin);
};

const recordCharge = async (deps: PaymentDeps, job: string, paymentId: string, result: ChargeResult, origin: JobOrigin) => {
  const context = contextOf(deps, job, paymentId, origin);
  const command =
    result.outcome === 'captured'
      ? { type: 'RecordCharge' as const, outcome: 'captured' as const, providerReference: result.reference, now: context.now }
      : { type: 'RecordCharge' as const, outcome: 'declined' as const, reason: result.reason, now: context.now };
  await deps.commands.handle(paymentDecider, paymentStream(paymentId), command, context);
};

/** Fails a payment still pending at its deadline. */
export const expirePayment = async (deps: PaymentDeps, paymentId: string, origin: JobOrigin = {}) => {
  const { state } = await deps.commands.load(paymentDecider, paymentStream(paymentId));
  if (state.status !== 'Pending') return;
  const now = deps.clock().toISOString();
  // Run a little early (clock skew between processes)? Then try again later.
  if (Date.parse(now) < Date.parse(state.expiresAt)) throw new Error(`payment ${paymentId} expires at ${state.expiresAt}, not yet`);
  const context = contextOf(deps, 'expire-payment', paymentId, origin);
  await deps.commands.handle(paymentDecider, paymentStream(paymentId), { type: 'ExpirePayment', now }, context);
};

/** Gives the money back for a payment whose refund was requested. */
export const refundPayment = async (deps: PaymentDeps, paymentId: string, origin: JobOrigin = {}) => {
  const { state } = await deps.commands.load(paymentDecider, paymentStream(paymentId));
  if (state.status !== 'RefundPending' || !state.providerReference) return;
  const { reference } = await deps.provider.refund({
    idempotencyKey: `refund:${paymentId}`,
    chargeReference: state.providerReference,
    amount: state.amount,
  });
  const context = contextOf(deps, 'refund-payment', paymentId, origin);
  await deps.commands.handle(paymentDecider, paymentStream(paymentId), { type: 'RecordRefund', providerReference: reference, now: context.now }, context);
};
