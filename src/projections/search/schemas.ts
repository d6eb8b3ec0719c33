import { arr, dict, int, obj, paged, str, withFields } from '../json-schema.js';
import { productHitSchema } from '../products/schemas.js';

/** What searchProducts answers: a page of hits with its `next`, facet counts over every match, and the words that gave no term. */
const page = paged(productHitSchema);
export const searchResultSchema = withFields(
  { ...page, required: [...(page.required as string[]), 'next'] },
  { facets: obj({ brand: dict(int({ minimum: 1 })), category: dict(int({ minimum: 1 })) }), ignoredWords: arr(str()) },
  ['ignoredWords'],
);
