import { statSync, type Stats } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError } from '../config.js';
import { privateDirectory } from '../infrastructure/private-files.js';

/**
 * DATA_DIR as every process of a shop opens it. Its files are private to the user that owns
 * it (0700 / 0600), so every process of one shop must run as that user: one started by another
 * user cannot open them, and one started as root could, but the files it creates would be
 * root's and lock the owner's processes out. Say so in words instead of an errno.
 */
export const openDataDir = (dataDir: string, logger: Logger, uid = process.getuid?.()): void => {
  try {
    const existing = statOf(dataDir);
    if (existing && !existing.isDirectory()) throw new ConfigError(`DATA_DIR ${dataDir} is not a directory`);
    const owner = existing ? ownership(existing.uid, uid) : 'own';
    if (owner === 'foreign') throw new ConfigError(foreign(dataDir, existing!.uid, uid!));
    if (owner === 'root-on-foreign') logger.warn({ dataDir, owner: existing!.uid }, rootWarning(existing!.uid));
    if (privateDirectory(dataDir)) logger.warn({ dataDir }, 'DATA_DIR or its files could be read by other users: narrowed to 0700 and 0600');
  } catch (error) {
    throw explained(error, dataDir, uid);
  }
};

/** An errno from opening DATA_DIR, in words. */
const explained = (error: unknown, dataDir: string, uid: number | undefined): unknown => {
  const code = (error as NodeJS.ErrnoException).code;
  const why = (error as Error).message;
  if (code === 'EACCES' || code === 'EPERM') return new ConfigError(`DATA_DIR ${dataDir} cannot be used by this process (uid ${uid}): ${why}`);
  if (code === 'EROFS') return new ConfigError(`DATA_DIR ${dataDir} is on a read-only file system (${why}): the shop writes its stores there; mount it read-write, or choose another DATA_DIR`);
  if (code === 'ENOTDIR' || code === 'EEXIST') return new ConfigError(`DATA_DIR ${dataDir} is not a directory (${why})`);
  return error;
};

/** Whose directory it is, for this process: its own, another user's (unusable), or another user's opened by root. */
export const ownership = (owner: number, uid: number | undefined): 'own' | 'foreign' | 'root-on-foreign' => {
  if (uid === undefined || owner === uid) return 'own';
  return uid === 0 ? 'root-on-foreign' : 'foreign';
};

const foreign = (dataDir: string, owner: number, uid: number) =>
  `DATA_DIR ${dataDir} belongs to uid ${owner}, and this process runs as uid ${uid}: its files are private to their owner, ` +
  `so run every process of the shop as the user that owns DATA_DIR (uid ${owner})`;

const rootWarning = (owner: number) =>
  `DATA_DIR belongs to uid ${owner} but this process runs as root: files it creates will be root's, and the shop's processes running as uid ${owner} will not open them; run it as uid ${owner}`;

const statOf = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};
