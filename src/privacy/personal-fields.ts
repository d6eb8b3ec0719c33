import { ERASED } from '../domain/shared/erased.js';
import type { DataKey, KeyPurpose, KeyState } from './key-store.js';
import { keyIds } from './key-store.js';
import { classificationOf, type Classification } from './personal-data.js';
import { open, seal, sealedParts } from './sealing.js';

/**
 * How an event's personal values are stored: taken out of its data and sealed together,
 * one sealed value per purpose, under `$sealed`:
 *
 *     { customerId, role, ..., $sealed: { profile: { paths: [["email"], ["name"], ...], value: "pd1:..." } } }
 *
 * `paths` (field names and list indexes, nothing personal) say where the values go back when
 * the event is read; the sealed value is the JSON list of those values. A value whose key
 * was destroyed reads as ERASED at each of its paths, so the data keeps its shape (an
 * address keeps its fields, each one ERASED). One encryption per purpose and event, not one
 * per value: sealing costs little beside the durable append.
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
type Path = Array<string | number>;
type Taken = Map<KeyPurpose, Array<{ path: Path; value: unknown }>>;
type SealedPart = { paths: Path[]; value: string };

/**
 * Values already opened (or sealed) by this process, by sealed text: a projection runner,
 * the saga and the command handler all read the same events, and each would decipher them
 * again. Consulted only once the key store has answered that the key exists.
 */
export type OpenedValues = { get(sealed: string): unknown[] | undefined; set(sealed: string, values: unknown[]): void };

/** Where sealed parts are kept in stored data (a name no event field has). */
export const SEALED = '$sealed';

/** Whether a classification holds any personal part (cached per event type by the caller). */
export const holdsPersonal = (classification: Classification): boolean =>
  typeof classification === 'string' ? classification !== 'plain' : Object.values(classification).some(holdsPersonal);

/**
 * The data without its personal values, and those values by purpose with their paths.
 * Throws UnclassifiedDataError for a type or field (at any depth) the inventory lacks.
 */
export const takePersonal = (type: string, data: Data): { rest: Data; taken: Taken } => {
  const classification = classificationOf(type);
  if (!classification) throw new UnclassifiedDataError(type);
  const taken: Taken = new Map();
  const visit = (value: unknown, c: Classification, path: Path): unknown => {
    if (value === undefined || value === null) return value;
    if (typeof c === 'string') {
      if (c === 'plain') return value;
      const list = taken.get(c) ?? [];
      list.push({ path, value });
      taken.set(c, list);
      return undefined;
    }
    if (isEach(c)) return Array.isArray(value) ? value.map((item, i) => visit(item, c.each, [...path, i])) : value;
    if (typeof value !== 'object' || Array.isArray(value)) return value;
    const out: Data = {};
    for (const [field, inner] of Object.entries(value)) {
      const fieldClass = (c as Record<string, Classification>)[field];
      if (fieldClass === undefined) throw new UnclassifiedDataError(type, [...path, field].join('.'));
      const kept = visit(inner, fieldClass, [...path, field]);
      if (kept !== undefined || inner === undefined) out[field] = kept;
    }
    return out;
  };
  return { rest: visit(data, classification, []) as Data, taken };
};

/** The stored data: what `takePersonal` left, plus each purpose's values sealed with the customer's key. */
export const sealTaken = (rest: Data, taken: Taken, customerId: string, keys: ReadonlyMap<KeyPurpose, DataKey>, opened?: OpenedValues): Data => {
  const sealed: Record<string, SealedPart> = {};
  for (const [purpose, values] of taken) {
    const clear = values.map((v) => v.value);
    const value = seal(keyIds.of(purpose, customerId), keys.get(purpose)!, clear);
    sealed[purpose] = { paths: values.map((v) => v.path), value };
    opened?.set(value, clear);
  }
  return { ...rest, [SEALED]: sealed };
};

/** The key ids stored data was sealed with. */
export const sealedKeyIds = (data: Data, into: Set<string>): void => {
  const sealed = data[SEALED] as Record<string, SealedPart> | undefined;
  if (!sealed) return;
  for (const part of Object.values(sealed)) {
    const parts = sealedParts(part.value);
    if (parts) into.add(parts.keyId);
  }
};

/**
 * The data as it was appended: each sealed part opened with its key and its values put back
 * at their paths, or ERASED at each path when the key was destroyed (or is unknown). Data
 * with nothing sealed (an event with no personal value, or stored by a version before
 * sealing) is returned as it is. Throws when a sealed value was altered.
 */
export const openData = (data: Data, keys: ReadonlyMap<string, KeyState>, opened?: OpenedValues): Data => {
  const sealed = data[SEALED] as Record<string, SealedPart> | undefined;
  if (!sealed) return data;
  const { [SEALED]: _sealed, ...out } = data;
  // The stored data may be shared (the store's cache): only the containers on a path are copied.
  const copied = new Set<unknown>([out]);
  for (const part of Object.values(sealed)) {
    const parts = sealedParts(part.value);
    const state = parts ? keys.get(parts.keyId) : undefined;
    let values: unknown[] | undefined;
    if (parts && state && 'key' in state) {
      values = opened?.get(part.value) ?? (open(parts, state.key) as unknown[]);
      opened?.set(part.value, values);
    }
    part.paths.forEach((path, i) => put(out, path, values ? values[i] : ERASED, copied));
  }
  return out;
};

type Node = Record<string | number, unknown>;

const put = (target: Data, path: Path, value: unknown, copied: Set<unknown>) => {
  let node: Node = target;
  for (let i = 0; i < path.length - 1; i += 1) {
    const step = path[i]!;
    let child = node[step] as Node | unknown[] | undefined;
    if (child === undefined || child === null) child = typeof path[i + 1] === 'number' ? [] : {};
    else if (!copied.has(child)) child = Array.isArray(child) ? [...child] : { ...child };
    copied.add(child);
    node[step] = child;
    node = child as Node;
  }
  node[path[path.length - 1]!] = value;
};

const isEach = (c: Classification): c is { readonly each: Classification } =>
  typeof c === 'object' && 'each' in c && Object.keys(c).length === 1;
