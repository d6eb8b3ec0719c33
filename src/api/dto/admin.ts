import { IsDefined, IsIn } from 'class-validator';
import { CUSTOMER_ROLES, type CustomerRole } from '../../domain/customer/customer.js';

export class ChangeRoleBody {
  @IsIn(CUSTOMER_ROLES, { message: `must be one of ${CUSTOMER_ROLES.join(', ')}` })
  @IsDefined({ message: 'is required' })
  role!: CustomerRole;
}
