import { IsDefined, IsEmail, IsISO31661Alpha2, IsString, Length, MaxLength, MinLength } from 'class-validator';

// class-validator checks the decorators of a property bottom-up and stops at the first
// failure: so presence comes last, the type just above it, and the finer rules on top.

export class RegisterBody {
  @MaxLength(254)
  @IsEmail({}, { message: 'must be an email address' })
  @IsDefined({ message: 'is required' })
  email!: string;

  @MaxLength(128)
  @MinLength(8, { message: 'must be at least 8 characters' })
  @IsString()
  @IsDefined({ message: 'is required' })
  password!: string;

  @Length(1, 100)
  @IsString()
  @IsDefined({ message: 'is required' })
  name!: string;
}

export class LoginBody {
  @Length(1, 254)
  @IsString()
  @IsDefined({ message: 'is required' })
  email!: string;

  @Length(1, 128)
  @IsString()
  @IsDefined({ message: 'is required' })
  password!: string;
}

export class AddressBody {
  @Length(1, 200)
  @IsString()
  @IsDefined({ message: 'is required' })
  line1!: string;

  @Length(1, 100)
  @IsString()
  @IsDefined({ message: 'is required' })
  city!: string;

  @Length(1, 20)
  @IsString()
  @IsDefined({ message: 'is required' })
  postalCode!: string;

  @IsISO31661Alpha2({ message: 'must be an ISO 3166-1 alpha-2 country code' })
  @IsDefined({ message: 'is required' })
  country!: string;
}
