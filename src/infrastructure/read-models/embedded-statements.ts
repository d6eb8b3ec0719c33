/**
 * The embedded store's writes, as SQL: shared by the store and its loader thread, which
 * both write the same file through connections of their own.
 */
export const STATEMENTS = {
  /** A new version number, stamped on every collection a transaction touches. */
  nextVersion: 'UPDATE sequence SET value = value + 1 WHERE id = 1 RETURNING value',
  touch: `INSERT INTO collections (name, version) VALUES (?, ?)
          ON CONFLICT (name) DO UPDATE SET version = excluded.version`,
  upsert: `INSERT INTO documents (collection, id, doc) VALUES (?, ?, ?)
           ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc`,
  delete: 'DELETE FROM documents WHERE collection = ? AND id = ?',
} as const;
