/** A fact the domain decided, before it is stored: no id, no metadata, no position. */
export type DomainEvent<Type extends string = string, Data extends object = Record<string, unknown>> = Readonly<{
  type: Type;
  data: Readonly<Data>;
}>;

/** A decider: everything a command handler needs to know about one aggregate. */
export type Decider<State, Command, Event extends DomainEvent> = {
  initialState: () => State;
  evolve: (state: State, event: Event) => State;
  decide: (command: Command, state: State) => Event[];
  /**
   * Set on aggregates whose streams grow long (a SKU, a product, a cart): their folded state
   * (plain JSON) may then be snapshotted, so that loading one reads the snapshot and the events
   * after it, not the whole history. Bump it whenever the state's shape or `evolve` changes:
   * snapshots of another version are ignored and the stream is folded from the start again.
   */
  snapshotVersion?: number;
};

/** Money is integer minor units plus an ISO 4217 code. Never floats. */
export type Money = Readonly<{ amount: number; currency: string }>;

export const money = (amount: number, currency: string): Money => ({ amount, currency });

export const addMoney = (a: Money, b: Money): Money => {
  if (a.currency !== b.currency) throw new TypeError(`cannot add ${a.currency} to ${b.currency}`);
  return { amount: a.amount + b.amount, currency: a.currency };
};

export const multiplyMoney = (a: Money, factor: number): Money => ({ amount: a.amount * factor, currency: a.currency });

export const sameMoney = (a: Money, b: Money): boolean => a.amount === b.amount && a.currency === b.currency;
