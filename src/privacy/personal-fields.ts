import { ERASED } from '../domain/shared/erased.js';
import type { DataKey, KeyPurpose, KeyState } from './key-store.js';
import { keyIds } from './key-store.js';
import { classificationOf, type Classification } from './personal-data.js';
import { open, seal, sealedParts } from './sealing.js';

/**
 * Walks an event's data along its classification (personal-data.ts): which keys sealing
 * it needs, the data with every personal leaf sealed, and the data with every sealed leaf
 * opened (or read as ERASED when its key is gone). Pure apart from the IVs' randomness.
 */

/** Thrown when an event type, or a field of one, is not in the inventory of personal data: classify it there first. */
export class UnclassifiedDataError extends Error {
  constructor(readonly eventType: string, readonly field?: string) {
    super(
      field === undefined
        ? `the event type ${eventType} is not in the inventory of personal data (src/privacy/personal-data.ts)`
        : `the field ${field} of ${eventType} is not in the inventory of personal data (src/privacy/personal-data.ts)`,
    );
    this.name = 'UnclassifiedDataError';
  }
}

type Data = Record<string, unknown>;

/** Whether a classification holds any personal leaf (cached per event type by the caller). */
export const holdsPersonal = (classification: Classification): boolean =>
  typeof classification === 'string' ? classification !== 'plain' : Object.values(classification).some(holdsPersonal);

/** The purposes whose keys sealing this event's data takes (none for an event with no personal value). */
export const purposesToSeal = (type: string, data: Data): Set<KeyPurpose> => {
  const classification = classificationOf(type);
  if (!classification) throw new UnclassifiedDataError(type);
  const purposes = new Set<KeyPurpose>();
  const visit = (value: unknown, c: Classification, path: string) => {
    if (value === undefined || value === null) return;
    if (typeof c === 'string') {
      if (c !== 'plain' && hasLeaf(value)) purposes.add(c);
      return;
    }
    if ('each' in c && typeof c.each !== 'undefined' && Object.keys(c).length === 1) {
      if (Array.isArray(value)) value.forEach((item, i) => visit(item, c.each as Classification, `${path}[${i}]`));
      return;
    }
    if (typeof value !== 'object' || Array.isArray(value)) return;
    for (const [field, inner] of Object.entries(value)) {
      const fieldClass = (c as Record<string, Classification>)[field];
      if (fieldClass === undefined) throw new UnclassifiedDataError(type, `${path}${field}`);
      visit(inner, fieldClass, `${path}${field}.`);
    }
  };
  visit(data, classification, '');
  return purposes;
};

const hasLeaf = (value: unknown): boolean =>
  typeof value === 'string' || typeof value === 'number' || (typeof value === 'object' && value !== null && Object.values(value).some(hasLeaf));

/** The data with every personal leaf sealed with the customer's key of its purpose. */
export const sealData = (type: string, data: Data, customerId: string, keys: ReadonlyMap<KeyPurpose, DataKey>): Data => {
  const classification = classificationOf(type)!;
  const sealLeaves = (value: unknown, purpose: KeyPurpose): unknown => {
    if (typeof value === 'string' || typeof value === 'number') return seal(keyIds.of(purpose, customerId), keys.get(purpose)!, value);
    if (Array.isArray(value)) return value.map((item) => sealLeaves(item, purpose));
    if (typeof value === 'object' && value !== null) return mapValues(value as Data, (inner) => sealLeaves(inner, purpose));
    return value;
  };
  return walk(data, classification, sealLeaves) as Data;
};

/** The key ids of the sealed leaves of an event's data (to fetch before opening). */
export const sealedKeyIds = (type: string, data: Data, into: Set<string>): void => {
  const classification = classificationOf(type);
  if (!classification) return;
  const collect = (value: unknown): unknown => {
    const parts = sealedParts(value);
    if (parts) into.add(parts.keyId);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(collect);
    return value;
  };
  walk(data, classification, collect);
};

/**
 * The data with every sealed leaf opened with its key, or ERASED when the key was destroyed
 * (or is unknown). Values stored in clear (by a version before sealing) are left as they are.
 */
export const openData = (type: string, data: Data, keys: ReadonlyMap<string, KeyState>): Data => {
  const classification = classificationOf(type);
  if (!classification) return data;
  const openLeaves = (value: unknown): unknown => {
    const parts = sealedParts(value);
    if (parts) {
      const state = keys.get(parts.keyId);
      return state && 'key' in state ? open(parts, state.key) : ERASED;
    }
    if (Array.isArray(value)) return value.map(openLeaves);
    if (typeof value === 'object' && value !== null) return mapValues(value as Data, openLeaves);
    return value;
  };
  return walk(data, classification, openLeaves) as Data;
};

/** The value with `leaf` applied to every part classified personal (a new object; the input is never changed). */
const walk = (value: unknown, c: Classification, leaf: (value: unknown, purpose: KeyPurpose) => unknown): unknown => {
  if (value === undefined || value === null) return value;
  if (typeof c === 'string') return c === 'plain' ? value : leaf(value, c);
  if ('each' in c && Object.keys(c).length === 1) {
    return Array.isArray(value) ? value.map((item) => walk(item, c.each as Classification, leaf)) : value;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return value;
  const fields = c as Record<string, Classification>;
  return mapValues(value as Data, (inner, field) => (fields[field] === undefined ? inner : walk(inner, fields[field]!, leaf)));
};

const mapValues = (value: Data, map: (inner: unknown, field: string) => unknown): Data => {
  const out: Data = {};
  for (const field of Object.keys(value)) out[field] = map(value[field], field);
  return out;
};
