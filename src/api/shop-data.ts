import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';

/**
 * Why the operator tools cannot work on this environment's embedded stores, or undefined when
 * they can. The tools work on an existing shop, which its server made: a mistyped DATA_DIR must
 * not become an empty new shop, and a directory of something else (another program's SQLite
 * file named events.db) must not be given the shop's tables and files. Opening the stores does
 * both (CREATE TABLE IF NOT EXISTS, new files beside them), so this looks first and writes nothing.
 * The log is the shop: the read models (read-models.db) may be gone, and are rebuilt from it.
 */
export const shopDataProblem = (config: Pick<Config, 'dataDir' | 'eventStoreUrl'>): string | undefined => {
  const { dataDir } = config;
  const where = '(set DATA_DIR, or EVENTSTORE_URL and MONGODB_URL)';
  if (!config.eventStoreUrl) {
    if (!existsSync(join(dataDir, 'events.db'))) return `no shop data in DATA_DIR ${dataDir} ${where}`;
    const log = logProblem(join(dataDir, 'events.db'));
    if (log) return `DATA_DIR ${dataDir} is not a shop's: its events.db ${log} ${where}`;
  }
  return undefined;
};

/** What is wrong with a file that should hold the shop's log, read without writing to it. */
const logProblem = (path: string): string | undefined => {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true });
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get();
    return table ? undefined : 'is a SQLite database without the shop\'s log in it';
  } catch (error) {
    return `cannot be read as the shop's log (${(error as Error).message})`;
  } finally {
    db?.close();
  }
};
