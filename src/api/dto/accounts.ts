import { domainToASCII } from 'node:url';
import { IsEmail, IsISO31661Alpha2, Matches, ValidateBy } from 'class-validator';
import { Password, Text } from '../input/text-rules.js';
import { NoCardNumberIn } from './payment-methods.js';

const POSTAL_CODE = /^[A-Za-z0-9]+(?:[ -][A-Za-z0-9]+)*$/;

// class-validator checks the decorators of a property bottom-up and stops at the first
// failure: so the house rule (presence, type, hygiene, length) comes last, finer rules on top.

/**
 * An address that passes for another in the console and in the mails (UTS #39's checks, the
 * ones that matter here): a character that hides (zero-width, a direction mark: Unicode's
 * format and control characters), one that Unicode itself reads as another (full-width letters,
 * ligatures: changed by NFKC), or letters of scripts that pass for one another mixed in one
 * part (`bоb` with a Cyrillic о; Greek, Armenian, Cherokee... likewise). Invisible joiners and
 * variation selectors are refused with the format characters. An address written in one script (`zoë@…`, `иван@пример.рф`) is taken.
 */
const lookAlike = (email: string): boolean => {
  if (/[\p{Cf}\p{Cc}\p{Default_Ignorable_Code_Point}]/u.test(email) || email.normalize('NFKC') !== email.normalize('NFC')) return true;
  return email.split(/[@.]/).some((part) => CONFUSABLE_SCRIPTS.filter((script) => script.test(part)).length > 1);
};

/** Scripts whose letters pass for one another's (UTS #39's confusables): two of them in one part of an address is a disguise. */
const CONFUSABLE_SCRIPTS = [
  /\p{Script=Latin}/u, /\p{Script=Cyrillic}/u, /\p{Script=Greek}/u, /\p{Script=Armenian}/u, /\p{Script=Cherokee}/u, /\p{Script=Coptic}/u,
  /\p{Script=Georgian}/u, /\p{Script=Lisu}/u, /\p{Script=Tifinagh}/u, /\p{Script=Canadian_Aboriginal}/u,
];

const NoLookAlikes = (): PropertyDecorator =>
  ValidateBy({
    name: 'noLookAlikes',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !lookAlike(value),
      defaultMessage: () => 'must not hide characters or mix look-alike letters (zero-width or direction marks, full-width letters, Latin with Cyrillic or Greek in one part)',
    },
  });

/**
 * A domain a mail can be sent to: its ASCII form (IDNA, as accounts are keyed: emailKey) exists,
 * its labels are 63 characters at most and the whole 253, as DNS allows, and it has no symbols
 * (an emoji domain: UTS #46 maps it, IDNA2008 refuses it). `xn--a.example` (no punycode),
 * `ü`×60 (66 characters once converted) and `😀.example` passed the address check before.
 */
const mailDomain = (email: string): boolean => {
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (/[\p{S}\p{Extended_Pictographic}]/u.test(domain)) return false;
  const ascii = domainToASCII(domain);
  return ascii.length > 0 && ascii.length <= 253 && ascii.split('.').every((label) => label.length >= 1 && label.length <= 63);
};

const MailDomain = (): PropertyDecorator =>
  ValidateBy({
    name: 'mailDomain',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !value.includes('@') || mailDomain(value.trim()),
      defaultMessage: () => 'must have a domain mail can be sent to (its labels of letters, digits and hyphens, 63 characters at most once written in ASCII)',
    },
  });

export class RegisterBody {
  @MailDomain()
  @NoLookAlikes()
  @IsEmail({}, { message: 'must be an email address' })
  @Text({ max: 254 })
  email!: string;

  @Password({ min: 8, max: 128 })
  password!: string;

  @NoCardNumberIn('holds what looks like a card number (12 or more digits in a row): a name has none')
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

const NO_CARD_NUMBER = 'holds what looks like a card number (12 or more digits in a row): an address has none';

export class AddressBody {
  @NoCardNumberIn(NO_CARD_NUMBER)
  @Text({ max: 200 })
  line1!: string;

  @NoCardNumberIn(NO_CARD_NUMBER)
  @Text({ max: 100 })
  city!: string;

  // What postal codes are made of, the world over (UPU): Latin letters and digits in groups, 10 characters at most (`12345-6789`, `SW1A 1AA`).
  @Matches(POSTAL_CODE, { message: 'must be a postal code: letters A-Z and digits, with one space or hyphen between groups' })
  @Text({ max: 10 })
  postalCode!: string;

  // As the document lists them: upper case (validator's own check takes either case).
  @Matches(/^[A-Z]{2}$/, { message: 'must be an ISO 3166-1 alpha-2 country code in upper case, such as US' })
  @IsISO31661Alpha2({ message: 'must be an ISO 3166-1 alpha-2 country code' })
  @Text({ max: 10, verbatim: true })
  country!: string;
}

/** A signed-in customer's new password, the current one given again. */
export class ChangePasswordBody {
  @Password({ max: 128 })
  currentPassword!: string;

  @Password({ min: 8, max: 128 })
  newPassword!: string;
}

/** Ask for a password reset link for the account of an address. */
export class PasswordResetRequestBody {
  @Text({ max: 254 })
  email!: string;
}

/** The emailed link's token, and the new password. */
export class PasswordResetBody {
  @Text({ max: 200 })
  token!: string;

  @Password({ min: 8, max: 128 })
  newPassword!: string;
}
