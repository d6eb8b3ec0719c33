import { JSONSchema } from 'class-validator-jsonschema';
import { IsDefined, IsIn, IsInt, Max, Min } from 'class-validator';
import { MAX_RATING, MAX_REVIEW_TEXT, MIN_RATING } from '../../domain/reviews/review.js';
import { Id, QueryInt, Text } from '../input/text-rules.js';
import { CatalogFilterQuery } from './catalog.js';
import { Cursor, ListPageQuery } from './paging.js';
import { NoWrittenCardNumber } from './payment-methods.js';

// Decorators run bottom-up and stop at the first failure: presence, then type, then rules
// (for texts the house rule, last, does presence, type and hygiene).

export class SearchQueryDto extends CatalogFilterQuery {
  /** Blank is no query at all, as when it is left out. */
  @Text({ max: 200, optional: true, blank: 'absent' })
  q?: string;

  /** Query strings are text: "true" or "false", nothing else. */
  @IsIn(['true', 'false'])
  @Text({ max: 20, optional: true, blank: 'absent', verbatim: true })
  inStock?: 'true' | 'false';

  @IsIn(['relevance', 'price', '-price', 'newest', 'rating'])
  @Text({ max: 20, optional: true, blank: 'absent', verbatim: true })
  sort?: 'relevance' | 'price' | '-price' | 'newest' | 'rating';

  @Cursor()
  after?: string;
}

export class SubmitReviewBody {
  @Id({ message: 'must be a product id (UUID)' })
  productId!: string;

  @Max(MAX_RATING, { message: `must be from ${MIN_RATING} to ${MAX_RATING}` })
  @Min(MIN_RATING, { message: `must be from ${MIN_RATING} to ${MAX_RATING}` })
  @IsInt({ message: 'must be a whole number' })
  @IsDefined({ message: 'is required' })
  rating!: number;

  /** A rating may come without words; never a card number (it is published). */
  @NoWrittenCardNumber('holds what looks like a card number: a review is published, and has none')
  @Text({ max: MAX_REVIEW_TEXT, optional: true, blank: 'empty', multiline: true })
  text: string = '';
}

export class ListReviewsQuery extends ListPageQuery {
  @Id({ message: 'must be a product id (UUID)' })
  productId!: string;

  @QueryInt({ min: MIN_RATING, max: MAX_RATING, optional: true })
  rating?: number;

  @IsIn(['newest', 'highest', 'lowest'])
  @Text({ max: 20, optional: true, blank: 'absent', verbatim: true })
  sort?: 'newest' | 'highest' | 'lowest';
}

export class RecommendationsQuery {
  @JSONSchema({
    description: 'Bought together with this product. Required unless signed in: a customer without it gets picks from their own orders; anyone else gets 400.',
    'x-required-unless-signed-in': true,
  })
  @Id({ message: 'must be a product id (UUID)', optional: true, blank: 'absent' })
  productId?: string;

  @QueryInt({ min: 1, max: 50 })
  limit: number = 10;
}
