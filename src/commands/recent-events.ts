/**
 * The ids and positions of a stream's last events, at most `limit` of them, as the command
 * handler remembers them for each cached stream (to recognise a repeated request without
 * reading the stream again; see CommandHandler and ./repeats.ts).
 *
 * Each version of a stream the handler folds gets its own `RecentEvents`, and a version is
 * never changed once made: a command may still be reading the one before. Copying thousands
 * of ids at every command to keep them apart was most of what a command on a long stream
 * allocated, so the versions of one stream share two arrays instead, each version a window
 * onto them: a new version appends its events to the arrays and widens its window, which
 * leaves the windows before it as they were. Only the version at the arrays' end extends them
 * in place; extending an older one (a branch: its state decided on again) copies its window
 * first. Once the ids no window can reach any more grow to a quarter of `limit`, the live
 * window is copied to new arrays (an amortised four copies per id), and the old arrays are
 * left to the versions that still hold them.
 */
export class RecentEvents {
  private constructor(
    private readonly ids: string[],
    private readonly positions: number[],
    private readonly start: number,
    private readonly end: number,
  ) {}

  static empty(): RecentEvents {
    return new RecentEvents([], [], 0, 0);
  }

  /** How many ids are remembered. */
  get length(): number {
    return this.end - this.start;
  }

  /** The position of the oldest event remembered; undefined when none is. */
  get oldestPosition(): number | undefined {
    return this.end > this.start ? this.positions[this.start] : undefined;
  }

  includes(id: string): boolean {
    // The newest first: a repeated request is most often one of the last.
    for (let i = this.end - 1; i >= this.start; i -= 1) if (this.ids[i] === id) return true;
    return false;
  }

  /** A version with these events after this one's (`positions[i]` is `ids[i]`'s), keeping the last `limit`. */
  plus(ids: readonly string[], positions: readonly number[], limit: number): RecentEvents {
    if (ids.length !== positions.length) throw new RangeError('as many positions as ids are needed');
    if (!(limit >= 1)) throw new RangeError('at least one id must be remembered');
    if (ids.length === 0) return this;
    let [ownIds, ownPositions, start, end] = [this.ids, this.positions, this.start, this.end];
    // A version after this one extended the arrays already: this one's window goes on in a copy of its own.
    if (ownIds.length !== end) [ownIds, ownPositions, start, end] = [ownIds.slice(start, end), ownPositions.slice(start, end), 0, end - start];
    for (let i = 0; i < ids.length; i += 1) {
      ownIds.push(ids[i]!);
      ownPositions.push(positions[i]!);
    }
    end += ids.length;
    start = Math.max(start, end - limit);
    // Ids out of every later window's reach: dropped with a copy once they are a quarter of the limit.
    if (start > 0 && start >= limit / 4) [ownIds, ownPositions, start, end] = [ownIds.slice(start, end), ownPositions.slice(start, end), 0, end - start];
    return new RecentEvents(ownIds, ownPositions, start, end);
  }
}
