import { IsEmail, IsISO31661Alpha2, IsString, Length, MaxLength, MinLength } from 'class-validator';

export class RegisterBody {
  @IsEmail({}, { message: 'must be an email address' })
  @MaxLength(254)
  email!: string;

  @IsString()
  @MinLength(8, { message: 'must be at least 8 characters' })
  @MaxLength(128)
  password!: string;

  @IsString()
  @Length(1, 100)
  name!: string;
}

export class LoginBody {
  @IsString()
  @Length(1, 254)
  email!: string;

  @IsString()
  @Length(1, 128)
  password!: string;
}

export class AddressBody {
  @IsString()
  @Length(1, 200)
  line1!: string;

  @IsString()
  @Length(1, 100)
  city!: string;

  @IsString()
  @Length(1, 20)
  postalCode!: string;

  @IsISO31661Alpha2({ message: 'must be an ISO 3166-1 alpha-2 country code' })
  country!: string;
}
