import type { Projection } from '../projections/projection.js';
import { ORDER_INVARIANTS } from './invariants-orders.js';
import { PAYMENT_INVARIANTS } from './invariants-payments.js';
import { notCheckable, takeSnapshot, type HandedOver, type Invariant, type Snapshot, type SnapshotDeps, type Violation } from './invariants-snapshot.js';
import { STOCK_INVARIANTS } from './invariants-stock.js';

export type { Invariant, Violation } from './invariants-snapshot.js';

/**
 * What must always hold across the read models and the log. Verifying a read model against
 * a rebuild of it cannot see a fold that is wrong the same way twice; these can. Each one
 * reads a snapshot (see invariants-snapshot.ts): the log up to a position and the read
 * models as they were there, orders whose saga is still at work left out of the rules about
 * outcomes. The README lists them with their `rule`.
 */
export const INVARIANTS: readonly Invariant[] = [...ORDER_INVARIANTS, ...PAYMENT_INVARIANTS, ...STOCK_INVARIANTS];

export type InvariantsReport = {
  /** The position of the log the read models were checked at. */
  position: number;
  /** The invariants checked (those whose read models were all selected). */
  checked: string[];
  violations: Violation[];
  /** Orders the saga was still busy with: left out of the rules about outcomes. */
  inFlight: string[];
  /** Orders whose payment an operator took out of the shop's hands (a payment job discarded): left out of those rules too, and named. */
  handedOver: HandedOver[];
};

/** Checks the invariants that read only the selected read models. */
export const checkInvariants = async (deps: SnapshotDeps, selected: readonly Projection[]): Promise<InvariantsReport> => {
  const names = new Set(selected.map((p) => p.name));
  const invariants = INVARIANTS.filter((invariant) => invariant.reads.every((name) => names.has(name)));
  const needed = selected.filter((p) => invariants.some((invariant) => invariant.reads.includes(p.name)));
  if (invariants.length === 0) return { position: 0, checked: [], violations: [], inFlight: [], handedOver: [] };
  const snapshot = await takeSnapshot(deps, needed);
  return {
    position: snapshot.position,
    checked: invariants.map((invariant) => invariant.name),
    violations: invariants.flatMap((invariant) => checked(invariant, snapshot)),
    inFlight: [...snapshot.inFlight].filter((orderId) => snapshot.log.orders.has(orderId)).sort(),
    handedOver: [...snapshot.handedOver.values()].filter((h) => !snapshot.inFlight.has(h.orderId)).sort((a, b) => a.orderId.localeCompare(b.orderId)),
  };
};

/**
 * An invariant's violations; one that cannot be checked (a document too damaged for its rule
 * to read) is reported as a violation of it, and the others are still checked: verify is run
 * to find damage, and must not end at the first it meets without saying what else it found.
 */
const checked = (invariant: Invariant, snapshot: Snapshot): Violation[] => {
  try {
    return invariant.check(snapshot);
  } catch (error) {
    return [{ invariant: invariant.name, id: '-', detail: notCheckable(error) }];
  }
};
