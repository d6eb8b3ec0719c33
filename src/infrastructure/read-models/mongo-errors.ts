import { DuplicateKeyError } from './read-model-store.js';

/** MongoDB's duplicate key error (E11000). */
const DUPLICATE_KEY = 11000;

type ServerErrorLike = { code?: unknown; keyValue?: unknown; message?: unknown; writeErrors?: unknown };
type WriteErrorLike = { code?: unknown; errmsg?: unknown };

/**
 * The clashing key of an E11000, or undefined for any other error. A single write's
 * MongoServerError carries the server's `keyValue`; a MongoBulkWriteError keeps only
 * code and errmsg per write error, so there the key is read back from the message.
 */
export const duplicateKeyOf = (error: unknown): Record<string, unknown> | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, keyValue, message, writeErrors } = error as ServerErrorLike;
  const clash = ([writeErrors ?? []].flat() as WriteErrorLike[]).find((w) => w?.code === DUPLICATE_KEY);
  if (code !== DUPLICATE_KEY && !clash) return undefined;
  if (isRecord(keyValue)) return keyValue;
  return keyOfMessage(String(clash?.errmsg ?? message ?? '')) ?? {};
};

const DUP_KEY = /dup key: \{ (.*) \}\s*$/;
// A quoted string, or a bare scalar; a nested object or array does not match, so gives up.
const FIELD = /([^\s:]+): ("(?:[^"\\]|\\.)*"|[^,{}[\]]*)(?:, |$)/y;

/** Reads `... dup key: { sku: "A-1", shop: 7 }`; undefined when the text is not that shape. */
export const keyOfMessage = (message: string): Record<string, unknown> | undefined => {
  const body = DUP_KEY.exec(message)?.[1];
  if (body === undefined) return undefined;
  const key: Record<string, unknown> = {};
  FIELD.lastIndex = 0;
  for (let match = FIELD.exec(body); match; match = FIELD.exec(body)) {
    key[match[1]] = jsonOrText(match[2]);
    if (FIELD.lastIndex === body.length) return key;
  }
  return undefined;
};

const jsonOrText = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    // ObjectId('…'), new Date(…): not JSON values, kept as the server wrote them.
    return text.startsWith('"') ? text.slice(1, -1) : text;
  }
};

export const rethrowDuplicateKey =
  (collection: string) =>
  (error: unknown): never => {
    const key = error instanceof DuplicateKeyError ? undefined : duplicateKeyOf(error);
    throw key ? new DuplicateKeyError(collection, key) : error;
  };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
