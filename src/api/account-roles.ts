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
export type WriteSideRole = (customerId: string) => Promise<CustomerRole | undefined>;

type Known = { role: CustomerRole | null; until: number };
type Changed = { role: CustomerRole; position: number };

export class AccountRoles {
  private readonly known = new LruCache<string, Known>(50_000);
  /** Roles this process changed, kept until the read model shows the change (it follows the log a moment behind). */
  private readonly changed = new LruCache<string, Changed>(10_000);

  constructor(
    private readonly profiles: ReadModelCollection<CustomerProfile>,
    private readonly writeSide: WriteSideRole,
    private readonly ttlMs = 2_000,
    private readonly now: () => number = Date.now,
    private readonly readsAskStream = false,
  ) {}

  async roleOf(customerId: string, { write = false }: { write?: boolean } = {}): Promise<CustomerRole | undefined> {
    if (write || this.readsAskStream) return this.writeSide(customerId);
    const cached = this.known.get(customerId);
    if (cached && cached.until > this.now()) return cached.role ?? undefined;
    const profile = await this.profiles.findOne({ _id: customerId }, { projection: { role: 1, erasedAt: 1, _position: 1 }, readonly: true });
    // An erased account's profile is a tombstone: no role, for good.
    const role = profile?.erasedAt !== undefined ? undefined : (this.newerThan(customerId, profile) ?? profile?.role ?? (await this.writeSide(customerId)));
    this.known.set(customerId, { role: role ?? null, until: this.now() + this.ttlMs });
    return role;
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
    this.known.set(customerId, { role: null, until: Number.POSITIVE_INFINITY });
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

/** The role of the account as its stream says, or nothing when it has no account. */
export const roleOnWriteSide =
  (commands: CommandHandler): WriteSideRole =>
  async (customerId) => {
    const { state } = await commands.load(customerDecider, customerStream(customerId));
    return state.status === 'Registered' ? state.role : undefined;
  };

export const accountRoles = (readModels: ReadModelStore, commands: CommandHandler, { readsAskStream = false, ttlMs }: { readsAskStream?: boolean; ttlMs?: number } = {}): AccountRoles =>
  new AccountRoles(readModels.collection<CustomerProfile>('customers'), roleOnWriteSide(commands), ttlMs, Date.now, readsAskStream);
