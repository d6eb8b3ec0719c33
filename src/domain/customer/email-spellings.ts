import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * One mailbox, several spellings. An internationalised domain is one domain whether written in
 * Unicode or in punycode (IDNA: `zoë@bücher.example` and `zoë@xn--bcher-kva.example` reach the same
 * mailbox), so an account is keyed by the domain's ASCII form (`emailKey`). Claims made before this
 * rule are keyed by the address as it was typed (trimmed, lower case): `emailSpellings` lists every
 * spelling a claim of the mailbox may be under, the address as given first (an account found under
 * it stays the one it signs in to), the key next. Plus-addressing (`zoe+shop@`) is left to the
 * mailbox's provider: a local part is the provider's to read (RFC 5321), so it is a mailbox of its own.
 */
export const emailKey = (normalizedEmail: string): string => withDomain(normalizedEmail, domainToASCII);

export const emailSpellings = (normalizedEmail: string): string[] => {
  const key = emailKey(normalizedEmail);
  return [...new Set([normalizedEmail, key, withDomain(key, domainToUnicode)])];
};

/** The address with its domain converted; an address whose domain IDNA refuses is kept as it is. */
const withDomain = (email: string, convert: (domain: string) => string): string => {
  const at = email.lastIndexOf('@');
  if (at < 0) return email;
  const domain = convert(email.slice(at + 1));
  return domain ? `${email.slice(0, at + 1)}${domain.toLowerCase()}` : email;
};
