import type { RequestHandler } from 'express';
import { submitReview, type ReviewDeps } from '../../commands/reviews.js';
import type { OrderView } from '../../projections/orders/orders.js';
import type { ProductView } from '../../projections/products/products.js';
import { recommendForCustomer, recommendForProduct, type PurchaseView } from '../../projections/purchases/purchases.js';
import { listReviews, toReview, type ReviewView } from '../../projections/reviews/reviews.js';
import type { SearchView } from '../../projections/search/search.js';
import { searchProducts } from '../../projections/search/search-query.js';
import { NotFoundError, ValidationError } from '../../domain/shared/errors.js';
import { principalOf } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { searchResultSchema } from '../../projections/search/schemas.js';
import { reviewPageSchema, reviewSchema, submittedReviewSchema } from '../../projections/reviews/schemas.js';
import { recommendationsSchema } from '../../projections/purchases/schemas.js';
import { uuid } from '../../projections/json-schema.js';
import { defineRoutes } from '../openapi/route-table.js';
import { ListReviewsQuery, RecommendationsQuery, SearchQueryDto, SubmitReviewBody } from '../dto/discovery.js';
import { answerWrite, commandContext, setEtag, uuidParam } from '../http.js';
import { parseDto, parseQuery } from '../validation.js';
import { CATCH_UP_MS, findCaughtUp } from '../fresh-reads.js';
import type { ReadModelCollection } from '../../infrastructure/read-models/read-model-store.js';

// Full-text search with filters, sorting, paging and facets.
const searchHandlers = (deps: AppDeps) => {
  const search = deps.readModels.collection<SearchView>('search');
  const searchCatalog: RequestHandler = async (req, res) => {
    const query = await parseQuery(SearchQueryDto, req.query);
    if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice) {
      throw new ValidationError('empty price range', [{ field: 'minPrice', message: 'must not exceed maxPrice' }]);
    }
    const { inStock, ...rest } = query;
    res.json(await searchProducts(search, { ...rest, inStock: inStock === 'true' }));
  };
  return { searchCatalog };
};

const reviewHandlers = (deps: AppDeps) => {
  const reviews = deps.readModels.collection<ReviewView>('reviews');
  const products = deps.readModels.collection<ProductView>('products');
  const reviewDeps: ReviewDeps = {
    commands: deps.commands,
    products,
    orders: deps.readModels.collection<OrderView>('orders'),
    catchUp: async () => void (await deps.cluster.waitFor(await deps.eventStore.headPosition(), CATCH_UP_MS)),
  };

  // Review a product received in a delivered order: 201 the first time, 200 when it replaces the customer's earlier review.
  const postReview: RequestHandler = async (req, res) => {
    const body = await parseDto(SubmitReviewBody, req.body);
    const { customerId } = principalOf(req);
    const result = await submitReview(reviewDeps, customerId, body, commandContext(req, deps.clock()));
    const state = result.state;
    const review = state.status === 'Published' ? { reviewId: result.reviewId, productId: state.productId, rating: state.rating, text: state.text } : { reviewId: result.reviewId };
    answerWrite(res, deps.sessions, result.created ? 201 : 200, review, { ...result, location: `/api/v1/reviews/${result.reviewId}` });
  };

  // A product's reviews, newest first, with their average and count.
  const browseReviews: RequestHandler = async (req, res) => {
    const query = await parseQuery(ListReviewsQuery, req.query);
    // The query's own refusals first (a cursor made up is 400 whatever the product).
    const page = await listReviews(reviews, query);
    if (page.count === 0) await productKnown(deps, products, query.productId);
    res.json(page);
  };

  // One review.
  const viewReview: RequestHandler = async (req, res) => {
    const reviewId = uuidParam(req, 'id', 'review');
    const doc = await findCaughtUp(deps, () => reviews.findOne({ _id: reviewId }, { readonly: true }));
    if (!doc) throw new NotFoundError('review not found');
    setEtag(res, doc.revision);
    res.json(toReview(doc));
  };
  return { postReview, browseReviews, viewReview };
};

// Bought together with a product; or, for a signed-in customer without one, picked from their own orders.
const recommendationHandlers = (deps: AppDeps) => {
  const purchases = deps.readModels.collection<PurchaseView>('purchases');
  const products = deps.readModels.collection<ProductView>('products');
  const recommend: RequestHandler = async (req, res) => {
    const query = await parseQuery(RecommendationsQuery, req.query);
    if (query.productId) {
      const items = await recommendForProduct(purchases, products, query.productId, query.limit);
      if (items.length === 0) await productKnown(deps, products, query.productId);
      return res.json({ items });
    }
    if (!req.principal) {
      throw new ValidationError('what to recommend for?', [{ field: 'productId', message: 'is required unless you are signed in' }]);
    }
    res.json({ items: await recommendForCustomer(purchases, products, req.principal.customerId, query.limit) });
  };
  return { recommend };
};

/**
 * A product's reviews and what was bought with it are asked of a product the catalog knows: an
 * id no product has (a mistyped one) is 404, as the product's own page is, not an empty list
 * a client cannot tell from a product nobody reviewed. Read models behind the log are waited
 * for first (a product just created is known). Asked only of an empty answer: a product with
 * reviews, or bought with others, is known.
 */
const productKnown = async (deps: AppDeps, products: ReadModelCollection<ProductView>, productId: string): Promise<void> => {
  if (!(await findCaughtUp(deps, () => products.findOne({ _id: productId, listed: true }, { readonly: true })))) throw new NotFoundError('product not found');
};

const PRODUCT_ID = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const REVIEW_ID = '6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c';
const PRODUCT = {
  productId: PRODUCT_ID, sku: 'MUG-1', name: 'Mug', description: 'Stoneware, 350 ml', brand: 'Acme', category: 'Kitchen', price: { amount: 1500, currency: 'USD' },
  available: 12, inStock: true, rating: { average: 4.5, count: 2 }, createdAt: '2025-01-01T10:00:00.000Z', updatedAt: '2025-01-01T10:00:00.000Z',
};
const REVIEW = { reviewId: REVIEW_ID, productId: PRODUCT_ID, authorName: 'Zoe', rating: 5, text: 'Keeps tea hot.', verifiedPurchase: true, createdAt: '2025-01-03T10:00:00.000Z', updatedAt: '2025-01-03T10:00:00.000Z' };

export const searchRoutes = defineRoutes({
  prefix: '/search',
  edge: 'api',
  tag: 'Discovery',
  routes: {
    searchCatalog: {
      cache: 'public', method: 'get', path: '/', role: 'anonymous', summary: 'Full-text search with filters, sorting, paging and facets',
      description: 'Words that give no term (stop words, punctuation) are named in `ignoredWords`. Pages by number (`page`), or after a page\'s `next` (`after`), which stays put when products are added or change meanwhile.',
      query: SearchQueryDto,
      success: { status: 200, description: 'One page of hits with brand and category facet counts.', schema: searchResultSchema },
      problems: [],
      example: { query: { q: 'mug', sort: 'relevance' }, response: { items: [{ ...PRODUCT, score: 3 }], total: 1, page: 1, pageSize: 20, next: null, facets: { brand: { Acme: 1 }, category: { Kitchen: 1 } } } },
    },
  },
  handlers: searchHandlers,
});

export const reviewRoutes = defineRoutes({
  prefix: '/reviews',
  edge: 'api',
  tag: 'Discovery',
  routes: {
    postReview: {
      method: 'post', path: '/', role: 'customer', summary: "Review a product received in a delivered order: 201 the first time, 200 when it replaces the customer's earlier review",
      body: SubmitReviewBody,
      success: { status: [201, 200], description: 'The review.', schema: submittedReviewSchema },
      problems: [403, 404, 409], headers: ['Location', 'ETag'],
      example: { body: { productId: PRODUCT_ID, rating: 5, text: 'Keeps tea hot.' }, response: { reviewId: REVIEW_ID, productId: PRODUCT_ID, rating: 5, text: 'Keeps tea hot.' } },
    },
    browseReviews: {
      cache: 'public', method: 'get', path: '/', role: 'anonymous', summary: "A product's reviews, newest first, with their average and count",
      description: 'An id no product has is 404, as the product itself is (not an empty list).',
      query: ListReviewsQuery,
      success: { status: 200, description: 'One page of reviews.', schema: reviewPageSchema },
      problems: [404], example: { query: { productId: PRODUCT_ID }, response: { items: [REVIEW], total: 1, page: 1, pageSize: 20, average: 5, count: 1 } },
    },
    viewReview: {
      cache: 'public', method: 'get', path: '/:id', role: 'anonymous', summary: 'One review', params: { id: uuid() },
      success: { status: 200, description: 'The review.', schema: reviewSchema },
      problems: [404], headers: ['ETag'], example: { response: REVIEW },
    },
  },
  handlers: reviewHandlers,
});

export const recommendationRoutes = defineRoutes({
  prefix: '/recommendations',
  edge: 'api',
  tag: 'Discovery',
  routes: {
    recommend: {
      cache: 'public', method: 'get', path: '/', role: 'anonymous', summary: 'Bought together with a product; signed in without one, picked from your own orders',
      description: 'A `productId` no product has is 404, as the product itself is (not an empty list).',
      query: RecommendationsQuery,
      success: { status: 200, description: 'Products, best first.', schema: recommendationsSchema },
      problems: [404],
      example: { query: { productId: PRODUCT_ID }, response: { items: [{ productId: '8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e', score: 3, name: 'Teapot', price: { amount: 3500, currency: 'USD' }, rating: { average: 4, count: 1 } }] } },
    },
  },
  handlers: recommendationHandlers,
});
