import { IsDefined, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { MAX_RATING, MAX_REVIEW_TEXT, MIN_RATING } from '../../domain/reviews/review.js';
import { CatalogFilterQuery } from './catalog.js';
import { PageQuery } from './paging.js';

// Decorators run bottom-up and stop at the first failure: presence, then type, then rules.

export class SearchQueryDto extends CatalogFilterQuery {
  @MaxLength(200)
  @IsString()
  @IsOptional()
  q?: string;

  /** Query strings are text: "true" or "false", nothing else. */
  @IsIn(['true', 'false'])
  @IsOptional()
  inStock?: 'true' | 'false';

  @IsIn(['relevance', 'price', '-price', 'newest', 'rating'])
  @IsOptional()
  sort?: 'relevance' | 'price' | '-price' | 'newest' | 'rating';
}

export class SubmitReviewBody {
  @IsUUID('all', { message: 'must be a product id (UUID)' })
  @IsString()
  @IsDefined({ message: 'is required' })
  productId!: string;

  @Max(MAX_RATING, { message: `must be from ${MIN_RATING} to ${MAX_RATING}` })
  @Min(MIN_RATING, { message: `must be from ${MIN_RATING} to ${MAX_RATING}` })
  @IsInt({ message: 'must be a whole number' })
  @IsDefined({ message: 'is required' })
  rating!: number;

  @MaxLength(MAX_REVIEW_TEXT)
  @IsString()
  @IsOptional()
  text: string = '';
}

export class ListReviewsQuery extends PageQuery {
  @IsUUID('all', { message: 'must be a product id (UUID)' })
  @IsString()
  @IsDefined({ message: 'is required' })
  productId!: string;

  @Max(MAX_RATING)
  @Min(MIN_RATING)
  @IsInt()
  @IsOptional()
  rating?: number;

  @IsIn(['newest', 'highest', 'lowest'])
  @IsOptional()
  sort?: 'newest' | 'highest' | 'lowest';
}

export class RecommendationsQuery {
  @IsUUID('all', { message: 'must be a product id (UUID)' })
  @IsString()
  @IsOptional()
  productId?: string;

  @Max(50)
  @Min(1)
  @IsInt()
  limit: number = 10;
}
