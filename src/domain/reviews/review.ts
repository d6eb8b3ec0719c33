import { ForbiddenError, ValidationError } from '../shared/errors.js';
import type { Decider, DomainEvent } from '../shared/types.js';

/**
 * A customer's review of one product. There is one per customer and product: the stream
 * `review-<reviewId>` is named by an id derived from the pair, so a second review by the
 * same customer of the same product lands on the same stream and replaces the first
 * (`ReviewRevised`, which remembers the rating it replaces so averages stay exact).
 * Only a customer who received the product may review it: the handler finds the delivered
 * order that proves it and passes its id in; the event keeps it as the evidence.
 */

export const MIN_RATING = 1;
export const MAX_RATING = 5;
export const MAX_REVIEW_TEXT = 5000;

// ------------------------------------------------------------------ events

type ReviewFacts = { reviewId: string; productId: string; customerId: string; authorName: string; rating: number; text: string };

export type ReviewSubmitted = DomainEvent<'ReviewSubmitted', ReviewFacts & { orderId: string; submittedAt: string }>;
export type ReviewRevised = DomainEvent<'ReviewRevised', ReviewFacts & { orderId: string; previousRating: number; revisedAt: string }>;

export type ReviewEvent = ReviewSubmitted | ReviewRevised;

// ------------------------------------------------------------------ state

export type Review =
  | { status: 'None' }
  | { status: 'Published'; reviewId: string; productId: string; customerId: string; rating: number; text: string };

export const initialState = (): Review => ({ status: 'None' });

export const evolve = (_state: Review, event: ReviewEvent): Review => {
  const { reviewId, productId, customerId, rating, text } = event.data;
  return { status: 'Published', reviewId, productId, customerId, rating, text };
};

// ------------------------------------------------------------------ commands

export type SubmitReview = {
  type: 'SubmitReview';
  reviewId: string;
  productId: string;
  customerId: string;
  authorName: string;
  rating: number;
  text: string;
  /** The delivered order of this customer that contained the product, if there is one. */
  deliveredIn: string | null;
  now: string;
};

export type ReviewCommand = SubmitReview;

export const decide = (command: ReviewCommand, state: Review): ReviewEvent[] => {
  const { reviewId, productId, customerId, authorName, deliveredIn, now } = command;
  if (!Number.isInteger(command.rating) || command.rating < MIN_RATING || command.rating > MAX_RATING) {
    throw new ValidationError('invalid rating', [{ field: 'rating', message: `must be a whole number from ${MIN_RATING} to ${MAX_RATING}` }]);
  }
  const text = command.text.trim();
  // Characters as the API's schema counts them (code points: an emoji is one), not UTF-16 units.
  if ([...text].length > MAX_REVIEW_TEXT) {
    throw new ValidationError('review too long', [{ field: 'text', message: `must be at most ${MAX_REVIEW_TEXT} characters` }]);
  }
  if (deliveredIn === null) throw new ForbiddenError('only a customer who received this product can review it');
  const facts = { reviewId, productId, customerId, authorName, rating: command.rating, text, orderId: deliveredIn };
  if (state.status === 'None') return [{ type: 'ReviewSubmitted', data: { ...facts, submittedAt: now } }];
  // The same review again changes nothing (and appends nothing).
  if (state.rating === command.rating && state.text === text) return [];
  return [{ type: 'ReviewRevised', data: { ...facts, previousRating: state.rating, revisedAt: now } }];
};

export const reviewDecider: Decider<Review, ReviewCommand, ReviewEvent> = { initialState, evolve, decide };

export const reviewStream = (reviewId: string) => `review-${reviewId}`;
