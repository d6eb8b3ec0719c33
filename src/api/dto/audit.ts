import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

// Decorators run bottom-up and stop at the first failure: presence, then type, then rules.

export class AuditOrderQuery {
  /** A time (ISO 8601) or a revision of the order stream; checked by parseAsOf. */
  @IsString({ message: 'must be given once' })
  @IsOptional()
  asOf?: string;
}

export class AuditStreamQuery extends AuditOrderQuery {
  @Min(0)
  @IsInt()
  @IsOptional()
  fromRevision?: number;

  @Max(5000)
  @Min(1)
  @IsInt()
  limit: number = 1000;
}
