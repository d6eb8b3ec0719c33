import { useState } from 'preact/hooks';
import { ApiError } from '../../shared/api.js';
import { api } from '../session.js';
import type { OrderLine } from './types.js';
import { ErrorAlert, useAction } from './ui.js';

type Review = { reviewId: string; rating: number; text: string };

/** A delivered line: "Review" opens the form; once posted, the review is shown as received. */
export const ReviewLine = ({ line }: { line: OrderLine }) => {
  const [open, setOpen] = useState(false);
  const [posted, setPosted] = useState<Review | null>(null);
  if (posted) {
    return (
      <p class="alert success" role="status">
        Thank you: your review of {line.name} ({stars(posted.rating)}) was received.
      </p>
    );
  }
  return (
    <div class="review-line">
      <button type="button" class="secondary small" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Close review' : 'Review'}
        <span class="visually-hidden"> {line.name}</span>
      </button>
      {open && <ReviewForm line={line} onPosted={setPosted} />}
    </div>
  );
};

const stars = (rating: number) => `${rating} ${rating === 1 ? 'star' : 'stars'}`;

const ReviewForm = ({ line, onPosted }: { line: OrderLine; onPosted: (review: Review) => void }) => {
  const [rating, setRating] = useState(0);
  const [text, setText] = useState('');
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
      const review = await api.post<Review>('/reviews', { productId: line.productId, rating, text });
      onPosted({ ...review, rating });
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
      <button type="submit" disabled={action.busy}>{action.busy ? 'Posting…' : 'Post review'}</button>
      <ErrorAlert error={action.error} title={forbidden ? 'Not allowed: only products delivered to you can be reviewed.' : undefined} />
    </form>
  );
};
