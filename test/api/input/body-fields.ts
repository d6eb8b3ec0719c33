/** A route case's body taken apart field by field, for the hostile-input test to spoil each in turn. */

/** The paths of a body's fields, nested objects and their fields alike: `shippingAddress`, `shippingAddress.line1`. */
export const fieldPaths = (body: Record<string, unknown>, prefix = ''): string[] =>
  Object.entries(body).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const nested = value !== null && typeof value === 'object' && !Array.isArray(value) ? fieldPaths(value as Record<string, unknown>, path) : [];
    return [path, ...nested];
  });

/** A copy of `body` with the field at `path` set to `value`. */
export const withField = (body: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> => {
  const [head, ...rest] = path.split('.');
  const copy = { ...body };
  copy[head!] = rest.length === 0 ? value : withField(copy[head!] as Record<string, unknown>, rest.join('.'), value);
  return copy;
};
