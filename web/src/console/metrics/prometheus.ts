/**
 * The server's own metrics (GET /metrics, Prometheus text format 0.0.4), read in the browser:
 * each sample line as a name, its labels and its value; comments and blank lines skipped.
 */

export type MetricLine = { name: string; labels: Record<string, string>; value: number };

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const unescape = (value: string) => value.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));

const number = (raw: string): number => {
  if (raw === '+Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  return Number(raw);
};

export const parsePrometheus = (text: string): MetricLine[] => {
  const lines: MetricLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = unescape(value!);
    lines.push({ name: match[1]!, labels, value: number(match[3]!) });
  }
  return lines;
};

/** Cumulative histogram buckets (upper bound → count at or below it), summed over the lines kept. */
export type Buckets = Map<number, number>;

export const histogram = (lines: MetricLine[], name: string, keep: (labels: Record<string, string>) => boolean): Buckets => {
  const buckets: Buckets = new Map();
  for (const line of lines) {
    if (line.name !== `${name}_bucket` || !keep(line.labels)) continue;
    const le = number(line.labels.le ?? '+Inf');
    buckets.set(le, (buckets.get(le) ?? 0) + line.value);
  }
  return buckets;
};

/** What was observed between two scrapes of the same histogram. */
export const bucketDelta = (now: Buckets, before: Buckets): Buckets =>
  new Map([...now].map(([le, count]) => [le, Math.max(0, count - (before.get(le) ?? 0))]));

/**
 * The q-quantile of a cumulative histogram, interpolated linearly within its bucket (as
 * Prometheus's histogram_quantile does); null when nothing was observed.
 */
export const quantile = (q: number, buckets: Buckets): number | null => {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? buckets.get(bounds[bounds.length - 1]!) ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const count = buckets.get(le)!;
    if (count >= rank) {
      if (le === Infinity) return lower;
      const inBucket = count - below;
      return inBucket === 0 ? le : lower + ((le - lower) * (rank - below)) / inBucket;
    }
    lower = le;
    below = count;
  }
  return lower;
};

export const sum = (lines: MetricLine[], name: string, keep: (labels: Record<string, string>) => boolean = () => true): number =>
  lines.filter((l) => l.name === name && keep(l.labels)).reduce((total, l) => total + l.value, 0);

export const max = (lines: MetricLine[], name: string): number | null => {
  const values = lines.filter((l) => l.name === name).map((l) => l.value);
  return values.length ? Math.max(...values) : null;
};
