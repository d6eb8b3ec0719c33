import type { ReviewRevised, ReviewSubmitted } from '../../domain/reviews/review.js';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Document, ReadModelCollection, Sort } from '../../infrastructure/read-models/read-model-store.js';
import { paged, type Page } from '../paging.js';
import { CUSTOMER_ERASED, customersDocuments, erasedLeaves } from '../erased-fields.js';
import type { Projection } from '../projection.js';

/** Published reviews, one document per review (a revision replaces the text and rating). */
export type ReviewView = Document & {
  reviewId: string;
  productId: string;
  customerId: string;
  authorName: string;
  rating: number;
  text: string;
  /** The delivered order that entitled the customer to review: "verified purchase". */
  orderId: string;
  createdAt: string;
  updatedAt: string;
  revision: number;
};

type Handled = ReviewSubmitted | ReviewRevised;

/** An erased customer's reviews keep their rating; the author's name and their own words are personal, and erased. */
const evolve = (current: ReviewView | null, recorded: RecordedEvent): ReviewView | null => {
  if (recorded.type === CUSTOMER_ERASED) return current && { ...current, authorName: erasedLeaves(current.authorName), text: erasedLeaves(current.text) };
  const event = recorded as unknown as Handled;
  const { reviewId, productId, customerId, authorName, rating, text, orderId } = event.data;
  const at = event.type === 'ReviewSubmitted' ? event.data.submittedAt : event.data.revisedAt;
  const createdAt = current?.createdAt ?? at;
  return { _id: reviewId, reviewId, productId, customerId, authorName, rating, text, orderId, createdAt, updatedAt: at, revision: recorded.revision };
};

export const reviewsProjection: Projection<ReviewView> = {
  name: 'reviews',
  collection: 'reviews',
  eventTypes: ['ReviewSubmitted', 'ReviewRevised', CUSTOMER_ERASED],
  documentIds: (event) => (event.type === CUSTOMER_ERASED ? [] : [String(event.data.reviewId)]),
  documentsWhere: customersDocuments(CUSTOMER_ERASED),
  evolve,
  indexes: [{ keys: { productId: 1 } }, { keys: { customerId: 1 } }],
};

// ------------------------------------------------------------------ queries

export type ReviewSort = 'newest' | 'highest' | 'lowest';

const SORTS: Record<ReviewSort, Sort> = {
  newest: { updatedAt: -1 },
  highest: { rating: -1, updatedAt: -1 },
  lowest: { rating: 1, updatedAt: -1 },
};

/** What anyone may see of a review: the author's first name, never their customer id. */
export const toReview = (doc: ReviewView) => ({
  reviewId: doc.reviewId,
  productId: doc.productId,
  authorName: doc.authorName,
  rating: doc.rating,
  text: doc.text,
  verifiedPurchase: true,
  createdAt: doc.createdAt,
  updatedAt: doc.updatedAt,
});

export type ReviewQuery = Page & { productId: string; sort?: ReviewSort; rating?: number };

/** One page of a product's reviews, with the average and count over all of them. */
export const listReviews = async (reviews: ReadModelCollection<ReviewView>, query: ReviewQuery) => {
  const filter: Record<string, unknown> = { productId: query.productId };
  if (query.rating !== undefined) filter.rating = query.rating;
  const [page, summary] = await Promise.all([
    paged(reviews, filter, SORTS[query.sort ?? 'newest'], query, toReview),
    reviews.aggregate<{ sum: number; count: number }>([
      { $match: { productId: query.productId } },
      { $group: { _id: null, sum: { $sum: '$rating' }, count: { $sum: 1 } } },
    ]),
  ]);
  const { sum, count } = summary[0] ?? { sum: 0, count: 0 };
  return { ...page, average: count === 0 ? 0 : Math.round((sum / count) * 100) / 100, count };
};
