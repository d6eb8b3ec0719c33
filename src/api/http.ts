import type { Request, Response } from 'express';
import { validate as isUuid } from 'uuid';
import type { CommandContext } from '../commands/command-handler.js';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../domain/shared/errors.js';
import type { SessionPositions } from './consistency.js';
import { executionStarted } from './idempotency.js';

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
  return context;
};

/** `If-Match: "<revision>"`; `*` asks for nothing more than existence, which every command checks anyway. */
export const ifMatchOf = (req: Request): number | undefined => {
  const header = req.get('if-match');
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(W\/)?"(\d{1,15})"\s*$/.exec(header);
  if (!match) throw new ValidationError('invalid If-Match', [{ field: 'If-Match', message: 'must be an ETag such as "3"' }]);
  if (match[1]) throw new PreconditionFailedError('If-Match needs a strong ETag', null);
  return Number(match[2]);
};

export const setEtag = (res: Response, revision: number): void => {
  if (revision >= 0) res.set('ETag', `"${revision}"`);
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

/** Route ids are UUIDs; anything else cannot name a resource. */
export const uuidParam = (req: Request, name: string, what: string): string => {
  const value = req.params[name];
  if (typeof value !== 'string' || !isUuid(value)) throw new NotFoundError(`${what} not found`);
  return value.toLowerCase();
};
