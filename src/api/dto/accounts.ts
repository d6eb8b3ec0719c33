import { IsEmail, IsISO31661Alpha2, Matches } from 'class-validator';
import { Password, Text } from '../input/text-rules.js';

// class-validator checks the decorators of a property bottom-up and stops at the first
// failure: so the house rule (presence, type, hygiene, length) comes last, finer rules on top.

export class RegisterBody {
  // The mail goes out over SMTP without SMTPUTF8, and an admin reads addresses in the console:
  // none whose letters only look like others (Cyrillic, full-width) or hide (zero-width).
  @Matches(/^[\x21-\x7e]+$/, { message: 'must be an ASCII email address (an internationalised domain as punycode, xn--...): no look-alike or invisible characters' })
  @IsEmail({}, { message: 'must be an email address' })
  @Text({ max: 254 })
  email!: string;

  @Password({ min: 8, max: 128 })
  password!: string;

  @Text({ max: 100 })
  name!: string;

  /** Optional: a contact number for deliveries. */
  @Matches(/^\+?[0-9][0-9 ()./-]{4,28}[0-9]$/, { message: 'must be a phone number: digits, spaces and ( ) . / -, an optional leading +' })
  @Text({ max: 30, optional: true })
  phone?: string;
}

export class LoginBody {
  @Text({ max: 254 })
  email!: string;

  @Password({ max: 128 })
  password!: string;
}

export class AddressBody {
  @Text({ max: 200 })
  line1!: string;

  @Text({ max: 100 })
  city!: string;

  @Text({ max: 20 })
  postalCode!: string;

  // As the document lists them: upper case (validator's own check takes either case).
  @Matches(/^[A-Z]{2}$/, { message: 'must be an ISO 3166-1 alpha-2 country code in upper case, such as US' })
  @IsISO31661Alpha2({ message: 'must be an ISO 3166-1 alpha-2 country code' })
  @Text({ max: 10, verbatim: true })
  country!: string;
}
