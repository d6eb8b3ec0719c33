import type { Request, Response } from 'express';
import type { CommandContext } from '../commands/command-handler.js';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../domain/shared/errors.js';
import type { SessionPositions } from './consistency.js';
import { executionStarted } from './idempotency.js';
import { canonicalId } from './input/ids.js';

/** Small helpers every route uses to turn a request into a command context and a result into an answer. */

/** The command context of a request, called once its input is valid: from here on the command executes. */
export const commandContext = (req: Request, now: Date): CommandContext => {
  executionStarted(req);
  const requestId = String(req.id);
  const principal = req.principal;
  const context: CommandContext = {
    correlationId: requestId,
    causationId: requestId,
    actor: principal ? `${principal.role}:${principal.customerId}` : 'anonymous',
    now: now.toISOString(),
  };
  if (req.idempotencyKey) context.idempotencyKey = req.idempotencyKey;
  const ifMatch = ifMatchOf(req);
  if (ifMatch !== undefined) context.ifMatch = ifMatch;
  else if (req.get('if-match')?.trim() === '*') context.ifExists = true;
  return context;
};

/**
 * `If-Match: "<revision>"` (RFC 9110 §13.1.1): a list of entity tags, compared strongly. `*`
 * asks for nothing more than existence, which every command checks anyway (a creation refuses
 * it: `ifExists` in the command's context). A weak tag, or one
 * that is no revision (the hash a cached public read carries), can never match: 412, as for a
 * stale revision. Only text that is no entity tag at all (`5`, `"3`) is a 400. The commands
 * check one revision, so a list naming two different ones is refused rather than half read.
 */
export const ifMatchOf = (req: Request): number | undefined => {
  const header = req.get('if-match');
  if (header === undefined || header.trim() === '*') return undefined;
  if (!ENTITY_TAGS.test(header)) {
    throw new ValidationError('invalid If-Match', [{ field: 'If-Match', message: 'must be an ETag such as "3", or a list of them' }]);
  }
  const strong = [...header.matchAll(ENTITY_TAG)].filter((tag) => !tag[1]).map((tag) => tag[2]!);
  const revisions = new Set(strong.filter((opaque) => REVISION.test(opaque)).map(Number));
  if (revisions.size === 0) throw new PreconditionFailedError('If-Match names no revision this resource can be at (a strong ETag such as "3")', null);
  if (revisions.size > 1) throw new ValidationError('invalid If-Match', [{ field: 'If-Match', message: 'must name one revision' }]);
  return [...revisions][0];
};

/** RFC 9110 §8.8.3: `[W/]"<etagc*>"`, etagc being any visible character but `"` (and obs-text); a list is comma-separated. */
const ENTITY_TAG = /(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/g;
const ENTITY_TAGS = /^[\s,]*(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"(?:\s*,[\s,]*(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*")*[\s,]*$/;
const REVISION = /^\d{1,15}$/;

/** `ETag: "<revision>"`: the aggregate's stream revision, what If-Match is compared with (none before its first event). */
export const setEtag = (res: Response, revision: number | undefined): void => {
  if (revision !== undefined && revision >= 0) res.set('ETag', `"${revision}"`);
};

/** Answers a write: status, ETag of the aggregate, and the log position for read-your-writes. */
export const answerWrite = (
  res: Response,
  sessions: SessionPositions,
  status: number,
  body: unknown,
  result: { revision?: number; position?: number | undefined; location?: string },
): void => {
  if (result.revision !== undefined) setEtag(res, result.revision);
  if (result.location) res.location(result.location);
  sessions.wrote(res, result.position);
  res.status(status).json(body);
};

/** Route ids are UUIDs, in their one form (./input/ids.ts); anything else cannot name a resource. */
export const uuidParam = (req: Request, name: string, what: string): string => {
  const value = req.params[name];
  const id = typeof value === 'string' ? canonicalId(value) : undefined;
  if (id === undefined) throw new NotFoundError(`${what} not found`);
  return id;
};

/**
 * Whose orders or subscriptions a list shows: an admin's `customerId` filter (none: everyone's),
 * a customer's own. A customer's filter naming someone else is refused (400) rather than
 * answered with their own list under a filter that says it is another customer's.
 */
export const listedCustomer = (viewer: { customerId: string; admin: boolean }, requested: string | undefined): string | undefined => {
  if (viewer.admin) return requested;
  // Both in their one form: the filter by its DTO's Id rule, the viewer's by the token's check (./auth.ts).
  if (requested !== undefined && requested !== viewer.customerId) {
    throw new ValidationError('only an admin lists another customer\'s', [{ field: 'customerId', message: 'should be left out (or your own id): only admins filter by customer' }]);
  }
  return viewer.customerId;
};
