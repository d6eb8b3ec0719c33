import { ApiError } from './api.js';

/** What an error says, line by line: the API's problem (its field errors, else its detail), or why the shop could not be reached. */
export const errorLines = (error: unknown): string[] => {
  if (error instanceof ApiError) return error.lines;
  if (error instanceof TypeError) return ['The shop could not be reached. Check your connection and try again.'];
  return [error instanceof Error ? error.message : String(error)];
};

/** An error shown as an alert (announced at once), or nothing. */
export const ErrorAlert = ({ error, title }: { error: unknown; title?: string }) => {
  if (!error) return null;
  const lines = errorLines(error);
  return (
    <div class="alert error" role="alert">
      {title && <strong>{title} </strong>}
      {lines.length === 1 ? lines[0] : <ul>{lines.map((line) => <li key={line}>{line}</li>)}</ul>}
    </div>
  );
};

/** The message of one field's error from a problem+json answer (`errors[].field`), if any. */
export const fieldError = (error: unknown, field: string): string | undefined =>
  error instanceof ApiError ? error.problem.errors?.find((e) => e.field === field || e.field.endsWith(`.${field}`))?.message : undefined;

/** A line saying something is being read, for screen readers too. */
export const Loading = ({ what }: { what: string }) => (
  <p class="loading muted" role="status">
    <span class="spinner" aria-hidden="true" /> Loading {what}…
  </p>
);
