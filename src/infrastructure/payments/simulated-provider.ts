import { hash } from 'node:crypto';
import type { Money } from '../../domain/shared/types.js';
import { DuplicateKeyError, type Document, type ReadModelStore } from '../read-models/read-model-store.js';
import type { ChargeRequest, ChargeResult, PaymentProvider, RefundRequest, TokenDescription } from './payment-provider.js';

/**
 * The embedded provider with the test tokens of API.md. It keeps a ledger (in the
 * read-model store, so it outlives restarts) keyed by idempotency key, like a real
 * provider: the same key never moves money twice.
 *   tok_visa and tok_mastercard succeed · tok_declined and tok_insufficient_funds are
 *   declined · tok_timeout never answers · anything else is an invalid token.
 * Described (a card being saved): the cards of CARDS below; tok_declined is a card it will
 * not take and anything else an unknown token.
 */

/** The test cards behind the tokens, as the provider reports them. tok_insufficient_funds and tok_timeout are cards whose charges fail. */
export const SIMULATED_CARDS: Readonly<Record<string, { brand: string; last4: string }>> = {
  tok_visa: { brand: 'visa', last4: '4242' },
  tok_mastercard: { brand: 'mastercard', last4: '4444' },
  tok_insufficient_funds: { brand: 'visa', last4: '9995' },
  tok_timeout: { brand: 'visa', last4: '0341' },
};

export const SIMULATED_LEDGER = 'simulated_provider_ledger';

type Entry = {
  _id: string;
  kind: 'charge' | 'refund';
  amount: Money;
  token?: string;
  chargeReference?: string;
  result: ChargeResult | { reference: string };
};

export type LedgerEntry = Document & Entry & { at: string };

export class SimulatedPaymentProvider implements PaymentProvider {
  constructor(private readonly store: ReadModelStore) {}

  private get ledger() {
    return this.store.collection<LedgerEntry>(SIMULATED_LEDGER);
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const seen = await this.ledger.findOne({ _id: request.idempotencyKey });
    if (seen) return seen.result as ChargeResult;
    const result = await this.decide(request);
    return (await this.record({ _id: request.idempotencyKey, kind: 'charge', amount: request.amount, token: request.token, result })) as ChargeResult;
  }

  async refund(request: RefundRequest): Promise<{ reference: string }> {
    const seen = await this.ledger.findOne({ _id: request.idempotencyKey });
    if (seen) return seen.result as { reference: string };
    const charge = await this.ledger.findOne({ kind: 'charge', 'result.reference': request.chargeReference });
    if (!charge) throw new Error(`no captured charge ${request.chargeReference}`);
    const result = { reference: `re_${digest(request.idempotencyKey)}` };
    const entry = { _id: request.idempotencyKey, kind: 'refund' as const, amount: request.amount, chargeReference: request.chargeReference, result };
    return (await this.record(entry)) as { reference: string };
  }

  async findCharge(idempotencyKey: string): Promise<ChargeResult | undefined> {
    const seen = await this.ledger.findOne({ _id: idempotencyKey, kind: 'charge' });
    return seen ? (seen.result as ChargeResult) : undefined;
  }

  async describeToken(token: string): Promise<TokenDescription> {
    const card = Object.hasOwn(SIMULATED_CARDS, token) ? SIMULATED_CARDS[token] : undefined;
    if (card) return { outcome: 'valid', ...card };
    return { outcome: 'refused', reason: token === 'tok_declined' ? 'declined' : 'invalid-token' };
  }

  /** Everything the provider did, for tests and the crash checks. */
  entries(): Promise<LedgerEntry[]> {
    return this.ledger.find({}, { sort: { at: 1 } });
  }

  private async decide(request: ChargeRequest): Promise<ChargeResult> {
    switch (request.token) {
      case 'tok_visa':
      case 'tok_mastercard':
        return { outcome: 'captured', reference: `ch_${digest(request.idempotencyKey)}` };
      case 'tok_declined':
        return { outcome: 'declined', reason: 'declined' };
      case 'tok_insufficient_funds':
        return { outcome: 'declined', reason: 'insufficient-funds' };
      case 'tok_timeout':
        return neverAnswers(request.signal);
      default:
        return { outcome: 'declined', reason: 'invalid-token' };
    }
  }

  /** The first answer to a key wins, also when two callers race. */
  private async record(entry: Entry): Promise<Entry['result']> {
    try {
      await this.ledger.insertOne({ ...entry, at: new Date().toISOString() });
      return entry.result;
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
      return (await this.ledger.findOne({ _id: entry._id }))!.result;
    }
  }
}

const neverAnswers = (signal: AbortSignal | undefined): Promise<never> =>
  new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

const digest = (text: string) => hash('sha256', text, 'hex').slice(0, 24);
