import type { CommandHandler } from '../commands/command-handler.js';
import { customerDecider, customerStream, type CustomerRole } from '../domain/customer/customer.js';
import { LruCache } from '../infrastructure/lru-cache.js';
import type { Document, ReadModelCollection, ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import type { CustomerProfile } from '../projections/customer-profiles/customer-profiles.js';

/**
 * Who a token's subject is NOW: its account's current role, or nothing when no account
 * has that id. A token only proves who signed in; the role it carries is what it was then,
 * so a demoted admin would otherwise stay admin until the token expires.
 *
 * For a read with `readsAskStream` (the embedded log, where that is a cached fold and a look at
 * the log's file), the account's stream answers too, as for a write: an erasure or a demotion
 * done by another process holds from the next request. Otherwise (EventStoreDB: a round trip
 * per request) answers come from the `customers` read model and are kept for `ttlMs` (so a
 * role change made in another process is seen within that time; in this process
 * `roleChanged` makes it immediate, also while the read model has not caught up with it). An
 * account the read model has not seen yet (registered a moment ago) is looked up on the
 * write side before it is refused.
 * For a write, the account's stream answers, every time (the command handler's folded state
 * and a look at the log's tail): an account erased or demoted in another process writes
 * nothing more from that moment. Within the read's `ttlMs` a token of an account erased
 * elsewhere saved a payment method, filled a cart and started a subscription, whose values the
 * erasure, running meanwhile, never scrubbed.
 */
/** An account's role, when it last signed out everywhere and how many times it has (its tokens issued before are dead). */
export type Standing = { role: CustomerRole; signedOutAt?: string; signOuts?: number };

export type WriteSideRole = (customerId: string) => Promise<Standing | undefined>;

type Known = { standing: Standing | null; until: number };
type Changed = { role: CustomerRole; position: number };

export class AccountRoles {
  private readonly known = new LruCache<string, Known>(50_000);
  /** Roles this process changed, kept until the read model shows the change (it follows the log a moment behind). */
  private readonly changed = new LruCache<string, Changed>(10_000);
  /** Sign-outs this process recorded, for the same moment: the read model shows them a moment later. */
  private readonly signedOut = new LruCache<string, { at: string; signOuts: number }>(10_000);

  constructor(
    private readonly profiles: ReadModelCollection<CustomerProfile>,
    private readonly writeSide: WriteSideRole,
    private readonly ttlMs = 2_000,
    private readonly now: () => number = Date.now,
    private readonly readsAskStream = false,
  ) {}

  async roleOf(customerId: string, options: { write?: boolean } = {}): Promise<CustomerRole | undefined> {
    return (await this.standingOf(customerId, options))?.role;
  }

  /** The account's role and last sign-out everywhere, as roleOf finds its role (see above). */
  async standingOf(customerId: string, { write = false }: { write?: boolean } = {}): Promise<Standing | undefined> {
    if (write || this.readsAskStream) return this.writeSide(customerId);
    const cached = this.known.get(customerId);
    if (cached && cached.until > this.now()) return cached.standing ?? undefined;
    const profile = await this.profiles.findOne({ _id: customerId }, { projection: { role: 1, erasedAt: 1, _position: 1, signedOutAt: 1, signOuts: 1 }, readonly: true });
    // An erased account's profile is a tombstone: no role, for good.
    let standing: Standing | undefined;
    if (profile?.erasedAt !== undefined) standing = undefined;
    else if (!profile?.role) standing = await this.writeSide(customerId);
    else {
      const role = this.newerThan(customerId, profile) ?? profile.role;
      const here = this.signedOut.get(customerId);
      const signedOutAt = here?.at ?? profile.signedOutAt ?? undefined;
      // A profile folded by an older version has no count: the times decide then (see authenticate).
      const signOuts = typeof profile.signOuts === 'number' ? Math.max(profile.signOuts, here?.signOuts ?? 0) : undefined;
      standing = { role, ...(signedOutAt ? { signedOutAt: latest(signedOutAt, profile.signedOutAt) } : {}), ...(signOuts === undefined ? {} : { signOuts }) };
    }
    this.known.set(customerId, { standing: standing ?? null, until: this.now() + this.ttlMs });
    return standing;
  }

  /** An account this process signed out everywhere (its `signOuts`-th time): its tokens issued before are refused from its next request, here. */
  signedOutEverywhere(customerId: string, at: string, signOuts: number): void {
    this.known.delete(customerId);
    this.signedOut.set(customerId, { at, signOuts });
  }

  /**
   * An account whose role this process just changed (at `position` in the log): its next
   * request has the new role, even before the read model shows it. Without a position
   * (nothing was appended: it had that role already) what is known of it is dropped.
   */
  roleChanged(customerId: string, role: CustomerRole, position: number | undefined): void {
    this.known.delete(customerId);
    if (position !== undefined) this.changed.set(customerId, { role, position });
  }

  /** An account this process erased: none from its next request on, here; within `ttlMs` in the others (the read model's tombstone). */
  erased(customerId: string): void {
    this.changed.delete(customerId);
    this.known.set(customerId, { standing: null, until: Number.POSITIVE_INFINITY });
  }

  /** The role this process changed, while the read model's profile is older than the change. */
  private newerThan(customerId: string, profile: Document | null): CustomerRole | undefined {
    const change = this.changed.get(customerId);
    if (!change) return undefined;
    if (typeof profile?._position === 'number' && profile._position >= change.position) {
      this.changed.delete(customerId);
      return undefined;
    }
    return change.role;
  }
}

/** The role (and last sign-out) of the account as its stream says, or nothing when it has no account. */
export const roleOnWriteSide =
  (commands: CommandHandler): WriteSideRole =>
  async (customerId) => {
    const { state } = await commands.load(customerDecider, customerStream(customerId));
    if (state.status !== 'Registered') return undefined;
    return { role: state.role, signOuts: state.signOuts ?? 0, ...(state.signedOutAt ? { signedOutAt: state.signedOutAt } : {}) };
  };

/** The later of two ISO times (either may be missing). */
const latest = (a: string, b: unknown): string => (typeof b === 'string' && Date.parse(b) > Date.parse(a) ? b : a);

export const accountRoles = (readModels: ReadModelStore, commands: CommandHandler, { readsAskStream = false, ttlMs }: { readsAskStream?: boolean; ttlMs?: number } = {}): AccountRoles =>
  new AccountRoles(readModels.collection<CustomerProfile>('customers'), roleOnWriteSide(commands), ttlMs, Date.now, readsAskStream);
