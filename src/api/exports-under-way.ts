import { TooManyRequestsError, UnavailableError } from '../domain/shared/errors.js';

/** Data exports one account may have under way on a process at once. */
export const EXPORTS_PER_ACCOUNT = 1;
/** Data exports a process runs at once, whoever asks. */
export const EXPORTS_PER_PROCESS = 50;
/** How long an export waits for a client that does not read before it ends the answer. */
export const EXPORT_STALL_MS = 30_000;

/**
 * The data exports under way on this process. Each takes its share of the event loop's turns
 * (see TurnShare) and about a megabyte while its client reads slowly, so their number is
 * bounded: forty sent at once by one account were all answered, each slowing the others (a
 * probe). An account has one under way at a time (429 for another); the process 50 (503).
 */
export class ExportsUnderWay {
  private readonly byAccount = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly perAccount = EXPORTS_PER_ACCOUNT,
    private readonly perProcess = EXPORTS_PER_PROCESS,
  ) {}

  /** Takes a place for the account's export; the function given back frees it. Throws 429 or 503 when there is none. */
  take(customerId: string): () => void {
    const held = this.byAccount.get(customerId) ?? 0;
    if (held >= this.perAccount) throw new TooManyRequestsError('an export of this account is under way: try again once it is done', 5);
    if (this.total >= this.perProcess) throw new UnavailableError(`this process is answering ${this.perProcess} data exports: try again shortly`, 5);
    this.byAccount.set(customerId, held + 1);
    this.total += 1;
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.total -= 1;
      const left = (this.byAccount.get(customerId) ?? 1) - 1;
      if (left > 0) this.byAccount.set(customerId, left);
      else this.byAccount.delete(customerId);
    };
  }
}
