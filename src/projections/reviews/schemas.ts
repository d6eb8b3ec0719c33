import { bool, int, num, obj, paged, str, time, uuid, withFields } from '../json-schema.js';

/** What toReview answers. */
export const reviewSchema = obj({
  reviewId: uuid(),
  productId: uuid(),
  authorName: str(),
  rating: int({ minimum: 1, maximum: 5 }),
  text: str(),
  verifiedPurchase: bool(),
  createdAt: time(),
  updatedAt: time(),
});

/** What listReviews answers: a page, with the average and count over all the product's reviews. */
export const reviewPageSchema = withFields(paged(reviewSchema), { average: num({ minimum: 0, maximum: 5 }), count: int({ minimum: 0 }) });

/** What submitting a review answers. */
export const submittedReviewSchema = obj({ reviewId: uuid(), productId: uuid(), rating: int(), text: str() }, ['productId', 'rating', 'text']);
