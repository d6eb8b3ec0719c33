import { QueryInt } from '../input/text-rules.js';

/** `?page&pageSize` of every list route: pages from 1, at most 100 items a page. */
export class PageQuery {
  @QueryInt({ min: 1, max: 10_000 })
  page: number = 1;

  @QueryInt({ min: 1, max: 100 })
  pageSize: number = 20;
}
