import { IsIn } from 'class-validator';
import { CUSTOMER_ROLES, type CustomerRole } from '../../domain/customer/customer.js';
import { Text } from '../input/text-rules.js';

// Decorators run bottom-up and stop at the first failure: the house rule last, finer rules on top.

export class ChangeRoleBody {
  @IsIn(CUSTOMER_ROLES, { message: `must be one of ${CUSTOMER_ROLES.join(', ')}` })
  @Text({ max: 20, verbatim: true })
  role!: CustomerRole;
}

/** Why parked work is discarded: required, since a discard nobody can explain is not auditable. */
export class DiscardBody {
  @Text({ max: 500 })
  reason!: string;
}
