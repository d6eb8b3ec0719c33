import { api } from '../session.js';
import type { Recommendation, Reviews } from '../types.js';
import { useLoad } from './useLoad.js';
import { ErrorAlert, Loading } from '../../shared/errors.js';
import { ProductVisual, Stars } from './ProductBits.js';
import { dateTime, money } from '../../shared/format.js';

/** The product's reviews: the average and each review, newest first. */
export const ProductReviews = ({ productId }: { productId: string }) => {
  const reviews = useLoad((signal) => api.get<Reviews>('/reviews', { productId, pageSize: 20 }, signal), [productId]);
  const data = reviews.data;
  return (
    <section class="panel" aria-labelledby="reviews-heading" id="reviews">
      <h2 id="reviews-heading">Reviews</h2>
      <ErrorAlert error={reviews.error} title="The reviews could not be read." />
      {reviews.loading && !data && <Loading what="reviews" />}
      {data && data.count === 0 && <p class="muted">No reviews yet. Shoppers who received this product can review it from their orders.</p>}
      {data && data.count > 0 && (
        <>
          <p class="review-summary"><Stars rating={{ average: data.average, count: data.count }} /></p>
          <ul class="reviews">
            {data.items.map((review) => (
              <li key={review.reviewId}>
                <div class="row">
                  <Stars rating={{ average: review.rating, count: 1 }} compact />
                  <strong>{review.authorName}</strong>
                  {review.verifiedPurchase && <span class="badge ok">Verified purchase</span>}
                  <span class="muted right">{dateTime(review.createdAt)}</span>
                </div>
                <p class="prose">{review.text}</p>
              </li>
            ))}
          </ul>
          {data.total > data.items.length && <p class="muted">Showing the {data.items.length} latest of {data.total} reviews.</p>}
        </>
      )}
    </section>
  );
};

/** "Bought together": what other shoppers bought with this product, as links. */
export const BoughtTogether = ({ productId }: { productId: string }) => {
  const recommendations = useLoad((signal) => api.get<{ items: Recommendation[] }>('/recommendations', { productId, limit: 4 }, signal), [productId]);
  const items = recommendations.data?.items ?? [];
  return (
    <section class="panel" aria-labelledby="together-heading">
      <h2 id="together-heading">Bought together</h2>
      <ErrorAlert error={recommendations.error} title="The recommendations could not be read." />
      {recommendations.loading && !recommendations.data && <Loading what="recommendations" />}
      {recommendations.data && items.length === 0 && <p class="muted">Nothing yet: be the first to buy this with something else.</p>}
      {items.length > 0 && (
        <ul class="together">
          {items.map((item) => (
            <li key={item.productId}>
              <ProductVisual name={item.name} category={item.name} />
              <div>
                <a href={`/products/${item.productId}`}>{item.name}</a>
                <div class="muted">{money(item.price)}</div>
                <Stars rating={item.rating} compact />
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
};
