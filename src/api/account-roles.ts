import type { CommandHandler } from '../commands/command-handler.js';
import { customerDecider, customerStream, type CustomerRole } from '../domain/customer/customer.js';
import { LruCache } from '../infrastructure/lru-cache.js';
import type { ReadModelCollection, ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import type { CustomerProfile } from '../projections/customer-profiles/customer-profiles.js';

/**
 * Who a token's subject is NOW: its account's current role, or nothing when no account
 * has that id. A token only proves who signed in; the role it carries is what it was then,
 * so a demoted admin would otherwise stay admin until the token expires.
 *
 * Answers come from the `customers` read model and are kept for `ttlMs` (so a role change
 * made in another process is seen within that time; in this process `forget` makes it
 * immediate). An account the read model has not seen yet (registered a moment ago) is
 * looked up on the write side before it is refused.
 */
export type WriteSideRole = (customerId: string) => Promise<CustomerRole | undefined>;

type Known = { role: CustomerRole | null; until: number };

export class AccountRoles {
  private readonly known = new LruCache<string, Known>(50_000);

  constructor(
    private readonly profiles: ReadModelCollection<CustomerProfile>,
    private readonly writeSide: WriteSideRole,
    private readonly ttlMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  async roleOf(customerId: string): Promise<CustomerRole | undefined> {
    const cached = this.known.get(customerId);
    if (cached && cached.until > this.now()) return cached.role ?? undefined;
    const profile = await this.profiles.findOne({ _id: customerId }, { projection: { role: 1 }, readonly: true });
    const role = profile?.role ?? (await this.writeSide(customerId));
    this.known.set(customerId, { role: role ?? null, until: this.now() + this.ttlMs });
    return role;
  }

  /** Drops what is known of an account whose role this process just changed. */
  forget(customerId: string): void {
    this.known.delete(customerId);
  }
}

/** The role of the account as its stream says, or nothing when it has no account. */
export const roleOnWriteSide =
  (commands: CommandHandler): WriteSideRole =>
  async (customerId) => {
    const { state } = await commands.load(customerDecider, customerStream(customerId));
    return state.status === 'Registered' ? state.role : undefined;
  };

export const accountRoles = (readModels: ReadModelStore, commands: CommandHandler, ttlMs?: number): AccountRoles =>
  new AccountRoles(readModels.collection<CustomerProfile>('customers'), roleOnWriteSide(commands), ttlMs);
