import { Matches } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { QueryInt, Text } from '../input/text-rules.js';

/** `?page&pageSize` of every list route: pages from 1, at most 100 items a page. */
export class PageQuery {
  @QueryInt({ min: 1, max: 10_000 })
  page: number = 1;

  @QueryInt({ min: 1, max: 100 })
  pageSize: number = 20;
}

/** Of a list's cursor (../../projections/page-cursor.ts): made by the list, read back only as a position in it. */
const CURSOR = { max: 1000, pattern: /^[A-Za-z0-9_-]+$/ };
const CURSOR_DESCRIPTION = 'Start after the item a page ended with: that page\'s `next`, as given. `page` then counts from there. ' +
  'Unlike a page number, it stays put when items are added or removed meanwhile. A cursor made up, changed, of another list ' +
  '(for search: other words or filters) or of another `sort` is 400; so is one made before the shop\'s JWT secret changed (it is signed with a key derived from it).';

/** `?after=`: a list's cursor, as its page's `next` gave it. Its rules in the order decorators stacked over it would run. */
export const Cursor = (): PropertyDecorator => (target, key) => {
  Text({ max: CURSOR.max, optional: true, blank: 'absent' })(target, key);
  Matches(CURSOR.pattern, { message: "must be a list's `next` as given" })(target, key);
  JSONSchema({ description: CURSOR_DESCRIPTION, 'x-cursor': true })(target, String(key));
};

/** `?page&pageSize&after` of every list route: pages by number, or after a cursor (a page's `next`). Search takes its own `after` (SearchQueryDto). */
export class ListPageQuery extends PageQuery {
  @Cursor()
  after?: string;
}
