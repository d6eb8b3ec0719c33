import { useState } from 'preact/hooks';
import { ApiError } from '../../shared/api.js';
import { api } from '../session.js';
import type { OrderLine } from './types.js';
import { ErrorAlert, useAction } from './ui.js';

/** A posted review; `replaced` when the shop answered 200 (it replaced the customer's earlier one) rather than 201. */
type Review = { reviewId: string; rating: number; text: string; replaced: boolean };

/**
 * A delivered line: "Review" opens the form; once posted, the review is shown as received, or as
 * replacing an earlier one, and can be changed (the form filled with it). The API has no read of
 * a customer's own review, so before a post the page cannot know of an earlier one: the form
 * says that posting replaces it, and the answer's status says whether it did.
 */
export const ReviewLine = ({ line }: { line: OrderLine }) => {
  const [open, setOpen] = useState(false);
  const [posted, setPosted] = useState<Review | null>(null);
  const done = (review: Review) => {
    setPosted(review);
    setOpen(false);
  };
  return (
    <div class="review-line">
      {posted && !open && (
        <p class="alert success" role="status">
          {posted.replaced
            ? `Your review of ${line.name} (${stars(posted.rating)}) replaced your earlier one.`
            : `Thank you: your review of ${line.name} (${stars(posted.rating)}) was received.`}
        </p>
      )}
      <button type="button" class="secondary small" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Close review' : posted ? 'Change your review' : 'Review'}
        <span class="visually-hidden"> {line.name}</span>
      </button>
      {open && <ReviewForm line={line} earlier={posted} onPosted={done} />}
    </div>
  );
};

const stars = (rating: number) => `${rating} ${rating === 1 ? 'star' : 'stars'}`;

const ReviewForm = ({ line, earlier, onPosted }: { line: OrderLine; earlier: Review | null; onPosted: (review: Review) => void }) => {
  const [rating, setRating] = useState(earlier?.rating ?? 0);
  const [text, setText] = useState(earlier?.text ?? '');
  const [missing, setMissing] = useState(false);
  const action = useAction();
  const name = `rating-${line.productId}`;
  const submit = async (event: Event) => {
    event.preventDefault();
    if (rating < 1) {
      setMissing(true);
      return;
    }
    await action.run(async () => {
      const answer = await api.request<Review>('POST', '/reviews', { body: { productId: line.productId, rating, text } });
      onPosted({ ...answer.data, rating, text, replaced: answer.status === 200 });
    });
  };
  const forbidden = action.error instanceof ApiError && action.error.status === 403;
  return (
    <form class="review-form" onSubmit={submit} aria-label={`Review of ${line.name}`}>
      <fieldset class="star-input" aria-describedby={missing ? `${name}-missing` : undefined}>
        <legend>Your rating</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} class={n <= rating ? 'on' : ''}>
            <input type="radio" name={name} value={n} checked={rating === n} onChange={() => { setRating(n); setMissing(false); }} />
            <span aria-hidden="true">★</span>
            <span class="visually-hidden">{stars(n)}</span>
          </label>
        ))}
        <span class="muted rating-text" aria-hidden="true">{rating ? stars(rating) : 'Choose 1 to 5 stars'}</span>
      </fieldset>
      {missing && <p id={`${name}-missing`} class="alert error" role="alert">Choose a rating from 1 to 5 stars.</p>}
      <label>
        What did you think? <span class="muted">(optional)</span>
        <textarea rows={3} maxLength={5000} value={text} onInput={(event) => setText(event.currentTarget.value)} />
      </label>
      <p class="muted small">One review per product: {earlier ? `posting again replaces the review you posted (${stars(earlier.rating)}).` : 'if you have reviewed it before, posting replaces that review.'}</p>
      <button type="submit" disabled={action.busy}>{action.busy ? 'Posting…' : 'Post review'}</button>
      <ErrorAlert error={action.error} title={forbidden ? 'Not allowed: only products delivered to you can be reviewed.' : undefined} />
    </form>
  );
};
