import { compile, isExpression, unsupported, type Expression, type Row, type Stage } from './native-expressions.js';

/**
 * The $project stage of the native subset (see native-aggregate.ts), and what lets a
 * `$project` before a `$facet` cost nothing: MongoDB itself only carries the fields a
 * pipeline reads. When a sub-pipeline reads nothing but what the projection keeps, and makes
 * new rows ($group, $count, $project) before handing any out, running it on the rows as
 * they are answers exactly what running it on the projected rows answers.
 */

export type Projection = {
  apply: (row: Row) => Row;
  /** No computed field: each field the projection answers is a field of its input. */
  inclusionOnly: boolean;
  /** Whether reading `path` reads something the projection keeps as it is. */
  keeps: (path: string) => boolean;
};

/**
 * An inclusion $project: `_id` unless `_id: 0`, fields and dotted paths set to 1 or true,
 * and top-level fields computed by an expression (left out when it reads a missing field).
 * Like MongoDB, a path through a scalar is left out and one through an object that lacks
 * the rest leaves that object empty; a path through an array is outside the subset.
 */
export const compileProjection = (spec: Record<string, unknown>): Projection => {
  let withId = true;
  const included: string[] = [];
  const computed: Array<[string, Expression]> = [];
  for (const [field, value] of Object.entries(spec)) {
    if (field.length === 0 || field.startsWith('$')) unsupported();
    const flag = inclusionFlag(value);
    if (field === '_id') withId = flag ?? unsupported();
    else if (flag === true) included.push(field);
    else if (field.includes('.') || !isExpression(value)) unsupported();
    else computed.push([field, compile(value)]);
  }
  // `{ _id: 0 }` alone is an exclusion projection (every other field kept), outside the subset.
  if (!withId && included.length === 0 && computed.length === 0) unsupported();
  const paths = included.map((path) => path.split('.'));
  const apply = (row: Row): Row => {
    const out: Row = {};
    if (withId && own.call(row, '_id')) out._id = row._id;
    for (const parts of paths) include(row, parts, 0, out);
    for (const [field, expression] of computed) {
      const value = expression(row);
      if (value !== undefined) out[field] = value;
    }
    return out;
  };
  const kept = withId ? [...included, '_id'] : included;
  const keeps = (path: string) => kept.some((prefix) => path === prefix || path.startsWith(`${prefix}.`));
  return { apply, inclusionOnly: computed.length === 0, keeps };
};

/** 1 or true includes, 0 or false excludes (`_id` only, here); anything else is not a flag. */
const inclusionFlag = (value: unknown): boolean | undefined => {
  if (value === 0 || value === false) return false;
  if (value === 1 || value === true) return true;
  return undefined;
};

const own = Object.prototype.hasOwnProperty;

const include = (from: Row, parts: readonly string[], at: number, into: Row): void => {
  const part = parts[at]!;
  if (!own.call(from, part)) return;
  const value = from[part];
  if (at === parts.length - 1) {
    into[part] = value;
    return;
  }
  if (Array.isArray(value)) unsupported();
  if (value === null || typeof value !== 'object') return;
  const inner = (own.call(into, part) ? into[part] : (into[part] = {})) as Row;
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) unsupported();
  include(value as Row, parts, at + 1, inner);
};

// ------------------------------------------------------------------ what a sub-pipeline reads

const MAKES_NEW_ROWS = new Set(['$group', '$count', '$project']);

/**
 * Whether `stages` can run on rows `projection` has not projected: up to the first stage
 * that makes new rows, every stage reads only what the projection keeps or what an
 * $addFields before it set (and one does make new rows).
 */
export const runsUnprojected = (projection: Projection, stages: readonly Stage[]): boolean => {
  const added = new Set<string>();
  const readable = (path: string) => projection.keeps(path) || added.has(path.split('.')[0]!);
  for (const stage of stages) {
    const [name] = Object.keys(stage);
    const reads = Object.keys(stage).length === 1 ? readsOf(name!, stage[name!]) : undefined;
    if (!reads?.every(readable)) return false;
    if (MAKES_NEW_ROWS.has(name!)) return true;
    if (name === '$addFields' || name === '$set') for (const field of Object.keys(stage[name] as object)) added.add(field);
  }
  return false;
};

/** The field paths a stage reads, or undefined when it may read more (or we cannot tell). */
const readsOf = (name: string, spec: unknown): string[] | undefined => {
  if (!spec || typeof spec !== 'object') return ['$skip', '$limit', '$count'].includes(name) ? [] : undefined;
  switch (name) {
    case '$match':
    case '$sort': {
      const fields = Object.keys(spec);
      return fields.some((field) => field.startsWith('$')) ? undefined : fields;
    }
    case '$group':
      return fieldPaths(spec);
    case '$addFields':
    case '$set':
      return Object.keys(spec).some((field) => field.startsWith('$')) ? undefined : fieldPaths(spec);
    case '$project':
      return projectionReads(spec as Record<string, unknown>);
    default:
      return undefined;
  }
};

const projectionReads = (spec: Record<string, unknown>): string[] | undefined => {
  const reads: string[] = [];
  let withId = true;
  for (const [field, value] of Object.entries(spec)) {
    const flag = inclusionFlag(value);
    if (field === '_id' && flag !== undefined) withId = flag;
    else if (flag === true) reads.push(field);
    else if (flag === undefined && isExpression(value)) {
      const paths = fieldPaths(value);
      if (!paths) return undefined;
      reads.push(...paths);
    } else return undefined; // an exclusion hands out every other field
  }
  return withId ? ['_id', ...reads] : reads;
};

/** The field paths ("$a.b") inside an expression; undefined for a variable ("$$ROOT"), which may read anything. */
const fieldPaths = (expression: unknown): string[] | undefined => {
  if (typeof expression === 'string') {
    if (expression.startsWith('$$')) return undefined;
    return expression.startsWith('$') ? [expression.slice(1)] : [];
  }
  if (expression === null || typeof expression !== 'object') return [];
  const paths: string[] = [];
  for (const value of Object.values(expression)) {
    const inner = fieldPaths(value);
    if (!inner) return undefined;
    paths.push(...inner);
  }
  return paths;
};
