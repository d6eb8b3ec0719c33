import { visit } from 'jsonc-parser';
import type { FieldError } from '../../domain/shared/errors.js';

/**
 * The first name that appears twice in one object of a JSON text, with the path to that
 * object, or undefined. JSON.parse keeps the last of them without a word (RFC 8259 §4 leaves
 * such a text's meaning to each reader), so `{"sku":"A","sku":"B"}` would be read as B here
 * and as A by a proxy or a signature check in front: such a body is refused instead.
 * Names are compared as decoded (`"x"` and `"\u0078"` are the same name). The text has
 * passed JSON.parse already: jsonc-parser's scanner only walks it (its leniencies, comments
 * and trailing commas, never come into play).
 */
export const duplicateName = (text: string, root = 'body'): FieldError | undefined => {
  const open: Array<Set<string>> = [];
  let found: FieldError | undefined;
  try {
    visit(text, {
      onObjectBegin: () => void open.push(new Set()),
      onObjectEnd: () => void open.pop(),
      onObjectProperty: (name, _offset, _length, _line, _column, pathOf) => {
        const names = open[open.length - 1]!;
        if (!names.has(name)) return void names.add(name);
        found = { field: pathText(root, [...pathOf(), name]), message: 'appears twice in one object (each field once)' };
        throw STOP;
      },
    });
  } catch (error) {
    if (error !== STOP) throw error;
  }
  return found;
};

const STOP = Symbol('stop');

/** `shippingAddress.line1`, `items[3].productId`, as the other body checks name fields. */
const pathText = (root: string, path: ReadonlyArray<string | number>): string =>
  path.reduce<string>((text, part) => (typeof part === 'number' ? `${text || root}[${part}]` : text ? `${text}.${part}` : part), '');
