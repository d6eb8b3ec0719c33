import { Router } from 'express';
import { submitReview, type ReviewDeps } from '../../commands/reviews.js';
import type { OrderView } from '../../projections/orders/orders.js';
import type { ProductView } from '../../projections/products/products.js';
import { recommendForCustomer, recommendForProduct, type PurchaseView } from '../../projections/purchases/purchases.js';
import { listReviews, toReview, type ReviewView } from '../../projections/reviews/reviews.js';
import { searchProducts, type SearchView } from '../../projections/search/search.js';
import { NotFoundError, ValidationError } from '../../domain/shared/errors.js';
import { principalOf, requireCustomer } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ListReviewsQuery, RecommendationsQuery, SearchQueryDto, SubmitReviewBody } from '../dto/discovery.js';
import { answerWrite, commandContext, setEtag, uuidParam } from '../http.js';
import { parseDto, parseQuery } from '../validation.js';

/** How long a review waits for the read models to catch up before it is refused. */
const CATCH_UP_MS = 2_000;

// Full-text search with filters, sorting, paging and facets.
export const searchRoutes = (deps: AppDeps): Router => {
  const router = Router();
  const search = deps.readModels.collection<SearchView>('search');
  router.get('/', async (req, res) => {
    const query = await parseQuery(SearchQueryDto, req.query);
    if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice) {
      throw new ValidationError('empty price range', [{ field: 'minPrice', message: 'must not exceed maxPrice' }]);
    }
    const { inStock, ...rest } = query;
    res.json(await searchProducts(search, { ...rest, inStock: inStock === 'true' }));
  });
  return router;
};

export const reviewRoutes = (deps: AppDeps): Router => {
  const router = Router();
  const reviews = deps.readModels.collection<ReviewView>('reviews');
  const reviewDeps: ReviewDeps = {
    commands: deps.commands,
    products: deps.readModels.collection<ProductView>('products'),
    orders: deps.readModels.collection<OrderView>('orders'),
    catchUp: async () => void (await deps.cluster.waitFor(await deps.eventStore.headPosition(), CATCH_UP_MS)),
  };

  // Review a product received in a delivered order: 201 the first time, 200 when it replaces the customer's earlier review.
  router.post('/', requireCustomer, async (req, res) => {
    const body = await parseDto(SubmitReviewBody, req.body);
    const { customerId } = principalOf(req);
    const result = await submitReview(reviewDeps, customerId, body, commandContext(req, deps.clock()));
    const state = result.state;
    const review = state.status === 'Published' ? { reviewId: result.reviewId, productId: state.productId, rating: state.rating, text: state.text } : { reviewId: result.reviewId };
    answerWrite(res, deps.sessions, result.created ? 201 : 200, review, { ...result, location: `/api/v1/reviews/${result.reviewId}` });
  });

  // A product's reviews, newest first, with their average and count.
  router.get('/', async (req, res) => {
    const query = await parseQuery(ListReviewsQuery, req.query);
    res.json(await listReviews(reviews, query));
  });

  // One review.
  router.get('/:id', async (req, res) => {
    const doc = await reviews.findOne({ _id: uuidParam(req, 'id', 'review') }, { readonly: true });
    if (!doc) throw new NotFoundError('review not found');
    setEtag(res, doc.revision);
    res.json(toReview(doc));
  });
  return router;
};

// Bought together with a product; or, for a signed-in customer without one, picked from their own orders.
export const recommendationRoutes = (deps: AppDeps): Router => {
  const router = Router();
  const purchases = deps.readModels.collection<PurchaseView>('purchases');
  const products = deps.readModels.collection<ProductView>('products');
  router.get('/', async (req, res) => {
    const query = await parseQuery(RecommendationsQuery, req.query);
    if (query.productId) {
      return res.json({ items: await recommendForProduct(purchases, products, query.productId.toLowerCase(), query.limit) });
    }
    if (!req.principal) {
      throw new ValidationError('what to recommend for?', [{ field: 'productId', message: 'is required unless you are signed in' }]);
    }
    res.json({ items: await recommendForCustomer(purchases, products, req.principal.customerId, query.limit) });
  });
  return router;
};
