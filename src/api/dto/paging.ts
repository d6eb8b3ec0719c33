import { IsInt, Max, Min } from 'class-validator';

/** `?page&pageSize` of every list route: pages from 1, at most 100 items a page. */
export class PageQuery {
  @Max(10_000)
  @Min(1)
  @IsInt()
  page: number = 1;

  @Max(100)
  @Min(1)
  @IsInt()
  pageSize: number = 20;
}
