/**
 * The handful of typed errors the domain and the command layer throw.
 * src/api/errors.ts maps each class to one HTTP status, in one table.
 */
export type FieldError = { field: string; message: string };

abstract class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The command is malformed or breaks an invariant that the caller could have known. */
export class ValidationError extends DomainError {
  constructor(message: string, readonly errors: FieldError[] = []) {
    super(message);
  }
}

export class NotFoundError extends DomainError {}

/** The aggregate is in a state where this command is not allowed (e.g. cancel a shipped order). */
export class IllegalStateError extends DomainError {}

/** The command collides with something that already exists (e.g. an email that is taken). */
export class ConflictError extends DomainError {}

/** The command is well formed but cannot be processed as it is (e.g. checkout of an empty cart). */
export class UnprocessableError extends DomainError {}

/** An optimistic-concurrency check failed: the stream moved since it was read. */
export class ConcurrencyError extends DomainError {
  constructor(
    readonly streamName: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`stream ${streamName} is at revision ${actual}, expected ${expected}`);
  }
}

/** The client's precondition (If-Match) does not hold. */
export class PreconditionFailedError extends DomainError {
  constructor(
    message: string,
    readonly currentRevision: number | null,
  ) {
    super(message);
  }
}

export class UnauthorizedError extends DomainError {}

/** A password that does not match (at sign-in, or re-entered to confirm): the caller's token, if any, is not at fault. */
export class WrongPasswordError extends UnauthorizedError {}

export class ForbiddenError extends DomainError {}

export class TooManyRequestsError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Something the command needs outside the shop (the payment provider) did not answer: nothing was done, try again later. */
export class UnavailableError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
