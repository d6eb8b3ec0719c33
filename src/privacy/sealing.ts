import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, randomFillSync, type KeyObject } from 'node:crypto';
import type { DataKey } from './key-store.js';

/**
 * One personal value sealed with AES-256-GCM: a fresh random 96-bit IV per value, the key's
 * id as additional authenticated data (a value moved under another customer's key id does
 * not open), and the 128-bit tag. Stored in place of the value as one string:
 *
 *     pd1:<keyId>:<iv, base64url>:<ciphertext and tag, base64url>
 *
 * The plaintext is the value's JSON, so strings and numbers come back as they went in.
 */

const PREFIX = 'pd1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[a-z]+-[A-Za-z0-9_-]+$/;

export type Sealed = string;

export const seal = (keyId: string, key: DataKey, value: unknown): Sealed => {
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', keyObject(keyId, key), iv);
  cipher.setAAD(Buffer.from(keyId));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${keyId}:${iv.toString('base64url')}:${body.toString('base64url')}`;
};

export type SealedParts = { keyId: string; iv: Buffer; body: Buffer };

/** The parts of a sealed value, or undefined when the text is not one (a value stored in clear by an older version). */
export const sealedParts = (text: unknown): SealedParts | undefined => {
  if (typeof text !== 'string' || !text.startsWith(PREFIX)) return undefined;
  const [keyId, iv, body, extra] = text.slice(PREFIX.length).split(':');
  if (extra !== undefined || !keyId || !iv || !body || !KEY_ID.test(keyId)) return undefined;
  const ivBytes = Buffer.from(iv, 'base64url');
  const bodyBytes = Buffer.from(body, 'base64url');
  if (ivBytes.length !== IV_BYTES || bodyBytes.length <= TAG_BYTES) return undefined;
  return { keyId, iv: ivBytes, body: bodyBytes };
};

/** Opens a sealed value with its key; throws when the key is not the one it was sealed with or the bytes were altered. */
export const open = (parts: SealedParts, key: DataKey): unknown => {
  const decipher = createDecipheriv('aes-256-gcm', keyObject(parts.keyId, key), parts.iv);
  decipher.setAAD(Buffer.from(parts.keyId));
  decipher.setAuthTag(parts.body.subarray(parts.body.length - TAG_BYTES));
  const clear = Buffer.concat([decipher.update(parts.body.subarray(0, parts.body.length - TAG_BYTES)), decipher.final()]);
  return JSON.parse(clear.toString('utf8'));
};

export const newDataKey = (): DataKey => randomBytes(32);

// IVs come from the system's CSPRNG like any other, drawn a few thousand at a time: one
// small synchronous draw per value costs more than the encryption itself.
const IV_POOL = 4096;
const ivs = Buffer.alloc(IV_BYTES * IV_POOL);
let ivsLeft = 0;
const nextIv = (): Buffer => {
  if (ivsLeft === 0) {
    randomFillSync(ivs);
    ivsLeft = IV_POOL;
  }
  ivsLeft -= 1;
  // A copy: the pool is refilled in place.
  return Buffer.from(ivs.subarray(ivsLeft * IV_BYTES, (ivsLeft + 1) * IV_BYTES));
};

// OpenSSL takes a KeyObject without copying and checking the key each time. Kept per key id
// while its bytes are the same (a destroyed key's id never comes back with other bytes, but
// the check costs nothing); a few thousand at most.
const KEY_OBJECTS = 4096;
const keyObjects = new Map<string, { raw: DataKey; object: KeyObject }>();
const keyObject = (keyId: string, key: DataKey): KeyObject => {
  const known = keyObjects.get(keyId);
  if (known && known.raw.equals(key)) return known.object;
  if (keyObjects.size >= KEY_OBJECTS) keyObjects.delete(keyObjects.keys().next().value!);
  const object = createSecretKey(key);
  keyObjects.set(keyId, { raw: Buffer.from(key), object });
  return object;
};

/** Forgets a key's object (its key was destroyed): nothing of it stays in this process. */
export const forgetKey = (keyId: string): void => {
  keyObjects.get(keyId)?.raw.fill(0);
  keyObjects.delete(keyId);
};
