import { arr, int, money, num, obj, str, uuid } from '../json-schema.js';

/** What recommendForProduct / recommendForCustomer answer, as the route wraps them. */
export const recommendationsSchema = obj({
  items: arr(obj({ productId: uuid(), score: int({ minimum: 1 }), name: str(), price: money(), rating: obj({ average: num(), count: int() }) })),
});
