import { UnavailableError } from '../domain/shared/errors.js';

/**
 * A read that must reflect a position of the log (the caller's own last write, an
 * `X-Min-Position`, or the log's head for a miss by id) and whose read models did not reach it
 * within their wait: answered 503 `read-models-behind` with `Retry-After`, never with an answer
 * older than what it must show (an empty cart after an item was added, a 404 for the order
 * just placed). Seen while another process takes the projections over from one that died.
 */
export class ReadModelsBehindError extends UnavailableError {
  constructor(position: number, waitedMs: number) {
    super(`the read models have not reached log position ${position} within ${waitedMs} ms; nothing was read, try again shortly`, 1);
  }
}
