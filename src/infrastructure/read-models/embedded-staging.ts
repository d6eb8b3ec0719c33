import type { Document } from './read-model-store.js';

/**
 * A document about to be written, as JSON (computed once: it is compared, persisted and
 * copied from). Most staged documents are only persisted (a rebuild writes a million that
 * nobody reads back), so the document object is parsed from the JSON on first use only.
 */
export class Staged {
  #doc: Document | undefined;

  constructor(
    readonly json: string,
    readonly id: string,
    doc?: Document,
  ) {
    this.#doc = doc;
  }

  get doc(): Document {
    return (this.#doc ??= JSON.parse(this.json) as Document);
  }
}

/** The documents a bulk write is about to change, by collection: a new version, or null (deleted). */
export type Staging = Map<string, Map<string, Staged | null>>;

/**
 * What one write of a group changed in the group's staging (see WriteGroups), recorded before
 * each change, so that a write that fails can be taken back and leave the staging as the
 * writes before it left it.
 */
export class StagingUndo {
  private readonly steps: Array<() => void> = [];

  /** Called before `id` of `name` is staged or removed. */
  before(staging: Staging, name: string, id: string): void {
    const staged = staging.get(name);
    if (!staged) {
      this.steps.push(() => staging.delete(name));
      return;
    }
    if (staged.has(id)) {
      const previous = staged.get(id)!;
      this.steps.push(() => staged.set(id, previous));
    } else this.steps.push(() => staged.delete(id));
  }

  /** Takes every recorded change back, the last first. */
  undo(): void {
    for (let i = this.steps.length - 1; i >= 0; i -= 1) this.steps[i]!();
    this.steps.length = 0;
  }
}
