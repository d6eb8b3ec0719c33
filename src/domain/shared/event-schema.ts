/**
 * Event versioning. Every stored event carries `schemaVersion` in its metadata; an
 * upcaster turns the data of one version into the next when the event is read, so the
 * log itself is never rewritten. Command handling, projections and the audit trail all
 * read through `upcast`, so they only ever see current shapes.
 */

export type Upcaster = {
  type: string;
  /** The version this upcaster reads; it produces `fromVersion + 1`. */
  fromVersion: number;
  upcast: (data: Record<string, unknown>) => Record<string, unknown>;
};

export type EventSchema = {
  currentVersion: (type: string) => number;
  upcast: <E extends { type: string; data: Record<string, unknown>; metadata: { schemaVersion?: number } }>(event: E) => E;
};

export const eventSchema = (upcasters: readonly Upcaster[]): EventSchema => {
  const byType = new Map<string, Map<number, Upcaster>>();
  for (const upcaster of upcasters) {
    const versions = byType.get(upcaster.type) ?? new Map<number, Upcaster>();
    if (versions.has(upcaster.fromVersion)) {
      throw new TypeError(`two upcasters of ${upcaster.type} read version ${upcaster.fromVersion}`);
    }
    versions.set(upcaster.fromVersion, upcaster);
    byType.set(upcaster.type, versions);
  }
  // Every chain starts at version 1 and has no gap, so every old event reaches the current shape.
  for (const [type, versions] of byType) {
    const sorted = [...versions.keys()].sort((a, b) => a - b);
    if (sorted.some((version, i) => version !== i + 1)) {
      throw new TypeError(`the upcasters of ${type} must read versions 1, 2, ... without a gap (got ${sorted.join(', ')})`);
    }
  }
  const currentVersion = (type: string) => {
    const versions = byType.get(type);
    return versions ? Math.max(...versions.keys()) + 1 : 1;
  };
  return {
    currentVersion,
    upcast: (event) => {
      // Most types have no upcaster: those are handed back as they are, before anything else is looked at.
      const versions = byType.get(event.type);
      if (!versions) return event;
      let version = event.metadata.schemaVersion ?? 1;
      if (version >= currentVersion(event.type)) return event;
      let data = event.data;
      for (let step = versions.get(version); step; step = versions.get(version)) {
        data = step.upcast(data);
        version += 1;
      }
      return { ...event, data, metadata: { ...event.metadata, schemaVersion: version } };
    },
  };
};
