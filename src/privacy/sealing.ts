import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
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
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
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
  const decipher = createDecipheriv('aes-256-gcm', key, parts.iv);
  decipher.setAAD(Buffer.from(parts.keyId));
  decipher.setAuthTag(parts.body.subarray(parts.body.length - TAG_BYTES));
  const clear = Buffer.concat([decipher.update(parts.body.subarray(0, parts.body.length - TAG_BYTES)), decipher.final()]);
  return JSON.parse(clear.toString('utf8'));
};

export const newDataKey = (): DataKey => randomBytes(32);
