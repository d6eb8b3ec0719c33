/**
 * The pages' only way to the shop: the documented HTTP contract under /api/v1 (API.md,
 * GET /openapi.json). Tokens travel in the Authorization header (never cookies), kept in
 * the Storage each app chooses under a key of its own, so a shopper and an operator can be
 * signed in side by side. Every error arrives as application/problem+json and is raised as ApiError.
 */

export type Role = 'customer' | 'admin';
export type Session = { token: string; customerId: string; role: Role; email: string };
export type Money = { amount: number; currency: string };

export type Problem = {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
};

export class ApiError extends Error {
  /**
   * @param retryAfterSeconds the answer's Retry-After, when it had one (429, 503).
   * @param fromShop the answer is the shop's own problem+json; anything else (a gateway's 502 or
   * 504 page) came from something in between, which cannot say whether the shop took the request.
   */
  constructor(readonly status: number, readonly problem: Problem, readonly retryAfterSeconds: number | null = null, readonly fromShop = true) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
  /** Field errors as one line each ("quantity: must be at least 1"), else the detail; a 429 says when to try again. */
  get lines(): string[] {
    const fields = this.problem.errors ?? [];
    if (fields.length > 0) return fields.map((e) => `${e.field}: ${e.message}`);
    // "Try again later" alone leaves a locked-out shopper guessing: the shop said how long.
    if (this.status !== 429 || this.retryAfterSeconds === null) return [this.message];
    const when = `try again ${inAbout(this.retryAfterSeconds)}`;
    return [/try again later/i.test(this.message) ? this.message.replace(/try again later/i, when) : `${this.message}. ${when[0]!.toUpperCase()}${when.slice(1)}.`];
  }
}

/** A wait in words, rounded up: "in about 14 minutes". */
export const inAbout = (seconds: number): string => {
  if (seconds < 60) return `in about ${Math.max(1, Math.ceil(seconds))} second${Math.ceil(seconds) > 1 ? 's' : ''}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `in about ${minutes} minute${minutes > 1 ? 's' : ''}`;
  return `in about ${Math.round(minutes / 60)} hours`;
};

const retryAfterOf = (response: Response): number | null => {
  const value = Number(response.headers.get('retry-after') ?? NaN);
  return Number.isFinite(value) && value >= 0 ? value : null;
};

export type Answer<T> = { status: number; data: T; etag: string | null; headers: Headers };

export type RequestOptions = {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  /** Optimistic concurrency: the ETag the caller read (412 when it moved on). */
  ifMatch?: string | null;
  /** Retry-safe writes: the same key answers the same result. */
  idempotencyKey?: string;
  signal?: AbortSignal;
};

const BASE = '/api/v1';

export const queryString = (query: RequestOptions['query']): string => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
};

export type ApiOptions = {
  /** Where the session is kept: localStorage (the default) outlives the tab, sessionStorage ends with it. */
  storage?: Storage;
  /** Every call is for an admin (the console): a 403 means this session is none, and signs it out. */
  adminOnly?: boolean;
};

export class Api {
  private current: Session | null;
  private readonly listeners = new Set<(session: Session | null) => void>();
  private readonly storage: Storage;
  private readonly adminOnly: boolean;
  /** Why the shop signed this page out by itself (a token that ended, an account that is no admin), for the sign-in form to say. */
  signedOutBecause: string | null = null;

  constructor(private readonly storageKey: string, options: ApiOptions = {}) {
    this.storage = options.storage ?? localStorage;
    this.adminOnly = options.adminOnly ?? false;
    this.current = readSession(this.storage, storageKey);
    // Another tab signed in or out (a 'storage' event fires only in the other tabs): follow it, so a
    // shopper who signed out is not still signed in, token and all, in the tab left open.
    addEventListener('storage', (event) => {
      if (event.storageArea !== this.storage || (event.key !== storageKey && event.key !== null)) return;
      this.current = readSession(this.storage, storageKey);
      for (const listener of this.listeners) listener(this.current);
    });
  }

  get session(): Session | null {
    return this.current;
  }

  /** Calls the listener on every sign-in and sign-out; returns the unsubscribe. */
  onSession(listener: (session: Session | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async signIn(email: string, password: string): Promise<Session> {
    const { data } = await this.request<{ token: string; customerId: string; role: Role }>('POST', '/account/login', { body: { email, password } });
    this.setSession({ ...data, email });
    return this.current!;
  }

  signOut(): void {
    this.signedOutBecause = null;
    this.setSession(null);
  }

  /** The session goes on under a new token (a password change answers one: every earlier token is dead). */
  renewed(token: string): void {
    if (this.current) this.setSession({ ...this.current, token });
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.current) headers.Authorization = `Bearer ${this.current.token}`;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.ifMatch) headers['If-Match'] = options.ifMatch;
    if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
    const init: RequestInit = { method, headers };
    if (options.body !== undefined) init.body = JSON.stringify(options.body);
    if (options.signal) init.signal = options.signal;
    const response = await fetchCaughtUp(method, `${BASE}${path}${queryString(options.query)}`, init);
    const type = response.headers.get('content-type') ?? '';
    const data = type.includes('json') ? await response.json() : await response.text();
    if (!response.ok) {
      // A token that expired or whose account went away (the challenge says invalid_token): signed
      // out, the page asks again. Another 401 (a wrong password re-entered to confirm) keeps the session.
      if (response.status === 401 && this.current && /invalid_token/.test(response.headers.get('www-authenticate') ?? '')) {
        this.signOutBecause('Your session has ended: sign in again.');
      }
      // The console's calls are all an admin's: a 403 says the stored session is not one (whatever it claims).
      if (response.status === 403 && this.current && this.adminOnly) {
        this.signOutBecause(notAdmin(this.current.email));
      }
      // Not a problem+json (a proxy's HTML error page, an empty body): its status in words, never its markup.
      const problem: Problem = typeof data === 'object' && data !== null ? { status: response.status, ...(data as object) } : { status: response.status, detail: unreadable(response) };
      throw new ApiError(response.status, problem, retryAfterOf(response), type.includes('application/problem+json'));
    }
    return { status: response.status, data: data as T, etag: response.headers.get('etag'), headers: response.headers };
  }

  get<T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, { query, ...(signal ? { signal } : {}) }).then((answer) => answer.data);
  }
  post<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body }).then((answer) => answer.data);
  }
  patch<T>(path: string, body: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body }).then((answer) => answer.data);
  }
  put<T>(path: string, body: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body }).then((answer) => answer.data);
  }
  delete<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('DELETE', path, { ...options, body }).then((answer) => answer.data);
  }

  /** Signs out and keeps why, for the sign-in form to say. */
  signOutBecause(reason: string): void {
    this.signedOutBecause = reason;
    this.setSession(null);
  }

  private setSession(session: Session | null): void {
    this.current = session;
    if (session) {
      this.signedOutBecause = null;
      this.storage.setItem(this.storageKey, JSON.stringify(session));
    } else this.storage.removeItem(this.storageKey);
    for (const listener of this.listeners) listener(session);
  }
}

/** How long a read waits, in all, for read models that are behind its session's own writes. */
const BEHIND_PATIENCE_MS = 10_000;

/**
 * A read the shop refused because its read models have not reached this session's own last
 * write yet (503 `read-models-behind`: one of its processes taking them over from another that
 * stopped, a few seconds) is asked again after its Retry-After, for up to 10 s, before the page
 * shows it as an error: never a cart without the item just added.
 */
const fetchCaughtUp = async (method: string, url: string, init: RequestInit): Promise<Response> => {
  let response = await fetch(url, init);
  for (let waited = 0; method === 'GET' && response.status === 503 && waited < BEHIND_PATIENCE_MS; ) {
    const problem = (await response.clone().json().catch(() => null)) as Problem | null;
    if (problem?.type !== 'urn:shop:problem:read-models-behind') break;
    const pause = Math.min(5, Number(response.headers.get('retry-after')) || 1) * 1000;
    await new Promise((resolve) => setTimeout(resolve, pause));
    waited += pause;
    response = await fetch(url, init);
  }
  return response;
};

const readSession = (storage: Storage, key: string): Session | null => {
  try {
    const parsed = JSON.parse(storage.getItem(key) ?? 'null') as Session | null;
    return parsed && typeof parsed.token === 'string' ? parsed : null;
  } catch {
    return null;
  }
};

const unreadable = (response: Response): string =>
  `The shop answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}. Try again in a moment.`;

export const notAdmin = (email: string): string => `${email} is not an admin: the console is for the shop's admin account only.`;

/** A fresh Idempotency-Key for one attempt of a write (a retry of the same attempt reuses it). */
export const newIdempotencyKey = (): string => crypto.randomUUID();

/**
 * Whether a failed write may have been applied all the same: no answer came (the connection
 * dropped, the shop was unreachable), or the answer was not the shop's (a gateway's 502 or 504,
 * sent when a process failed after the request reached it). The shop's own refusals are
 * problem+json and say for sure that nothing was done.
 */
export const outcomeUnknown = (failure: unknown): boolean => failure instanceof TypeError || (failure instanceof ApiError && !failure.fromShop);

/**
 * The Idempotency-Key of one form's write, kept across a failure whose outcome is unknown (no
 * answer, or a gateway's: the write may have been applied; see outcomeUnknown), so pressing
 * the button again repeats the same write and the shop answers it once (stock received once, one
 * line added once). Any answer, success or problem, starts a new attempt. Keep one per form (useRef).
 */
export class Attempt {
  private key = newIdempotencyKey();
  async run<T>(write: (idempotencyKey: string) => Promise<T>): Promise<T> {
    try {
      const result = await write(this.key);
      this.key = newIdempotencyKey();
      return result;
    } catch (failure) {
      if (!outcomeUnknown(failure)) this.key = newIdempotencyKey();
      throw failure;
    }
  }
}
