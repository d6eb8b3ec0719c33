import type { AuditedEvent } from '../../src/operations/audit.js';

/** What the audit trail's tests share: a product, an order, times of the audited day, and readings of a timeline. */
export const PRODUCT = '6f1c1d5e-0c1b-4b8e-9a59-3b6f7d2f1a10';
export const ORDER = '0d5e2a8c-5f4b-4f7e-8f0a-6c2b9d1e3a47';
export const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

/** An instant on the audited day. */
export const at = (hhmm: string) => `2024-05-01T${hhmm}:00.000Z`;

/** An order's timeline as `<stream> <type>` lines. */
export const steps = (timeline: AuditedEvent[]) => timeline.map((e) => `${e.streamName} ${e.type}`);

export const ascending = (numbers: number[]) => numbers.every((n, i) => i === 0 || n > numbers[i - 1]!);

export const catching = (act: () => unknown): unknown => {
  try {
    act();
  } catch (error) {
    return error;
  }
  return undefined;
};
