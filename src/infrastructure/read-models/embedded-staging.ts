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
