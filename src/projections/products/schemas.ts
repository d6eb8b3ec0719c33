import { bool, int, money, num, obj, paged, str, time, uuid } from '../json-schema.js';

const productFields = {
  productId: uuid(),
  sku: str(),
  name: str(),
  description: str(),
  brand: str(),
  category: str(),
  price: money(),
  available: int({ minimum: 0 }),
  inStock: bool(),
  rating: obj({ average: num({ minimum: 0, maximum: 5 }), count: int({ minimum: 0 }) }),
  createdAt: time(),
  updatedAt: time(),
};

/** What toProduct answers (getProduct, listProducts). */
export const productSchema = obj(productFields);
export const productPageSchema = paged(productSchema);

/** A search hit: a product, with its relevance score when ranked by relevance. */
export const productHitSchema = obj({ ...productFields, score: num() }, ['score']);

/** What an admin's product write answers: the product's details as they stand. */
export const productDetailsSchema = obj({ productId: uuid(), sku: str(), name: str(), description: str(), brand: str(), category: str(), price: money() });
export const createdProductSchema = obj({ productId: uuid() });
