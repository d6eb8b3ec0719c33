import { arr, dict, int, obj, paged, str, withFields } from '../json-schema.js';
import { productHitSchema } from '../products/schemas.js';

/** What searchProducts answers: a page of hits, facet counts over every match, and the words that gave no term. */
export const searchResultSchema = withFields(
  paged(productHitSchema),
  { facets: obj({ brand: dict(int({ minimum: 1 })), category: dict(int({ minimum: 1 })) }), ignoredWords: arr(str()) },
  ['ignoredWords'],
);
