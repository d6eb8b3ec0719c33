import type { Address } from '../types.js';
import { fieldError } from '../../shared/errors.js';

/** Countries to ship to (ISO 3166 codes, as the API takes them). */
export const COUNTRIES: Array<[string, string]> = [
  ['US', 'United States'], ['CA', 'Canada'], ['GB', 'United Kingdom'], ['IE', 'Ireland'], ['FR', 'France'], ['DE', 'Germany'],
  ['ES', 'Spain'], ['PT', 'Portugal'], ['IT', 'Italy'], ['NL', 'Netherlands'], ['BE', 'Belgium'], ['LU', 'Luxembourg'],
  ['CH', 'Switzerland'], ['AT', 'Austria'], ['DK', 'Denmark'], ['SE', 'Sweden'], ['NO', 'Norway'], ['FI', 'Finland'],
  ['PL', 'Poland'], ['CZ', 'Czechia'], ['AU', 'Australia'], ['NZ', 'New Zealand'], ['JP', 'Japan'], ['KR', 'South Korea'],
  ['SG', 'Singapore'], ['IN', 'India'], ['BR', 'Brazil'], ['MX', 'Mexico'], ['ZA', 'South Africa'],
];

export const EMPTY_ADDRESS: Address = { line1: '', city: '', postalCode: '', country: 'US' };

/** Street, city, postal code and country, each labelled, with the API's field errors beside them. */
export const AddressFields = ({ value, onChange, error, idPrefix, disabled = false }: { value: Address; onChange: (address: Address) => void; error: unknown; idPrefix: string; disabled?: boolean }) => {
  const field = (name: keyof Address, label: string, autocomplete: string) => {
    const message = fieldError(error, name);
    const id = `${idPrefix}-${name}`;
    return (
      <div class="field">
        <label for={id}>{label}</label>
        <input
          id={id} name={name} required autocomplete={autocomplete} value={value[name]} disabled={disabled}
          aria-invalid={message ? 'true' : undefined} aria-describedby={message ? `${id}-error` : undefined}
          onInput={(e) => onChange({ ...value, [name]: e.currentTarget.value })}
        />
        {message && <p class="field-error" id={`${id}-error`}>{message}</p>}
      </div>
    );
  };
  const countryError = fieldError(error, 'country');
  const known = COUNTRIES.some(([code]) => code === value.country);
  return (
    <div class="address-fields">
      {field('line1', 'Street address', 'address-line1')}
      <div class="field-row">
        {field('city', 'City', 'address-level2')}
        {field('postalCode', 'Postal code', 'postal-code')}
      </div>
      <div class="field">
        <label for={`${idPrefix}-country`}>Country</label>
        <select id={`${idPrefix}-country`} name="country" autocomplete="country" value={value.country} disabled={disabled}
          aria-invalid={countryError ? 'true' : undefined} aria-describedby={countryError ? `${idPrefix}-country-error` : undefined}
          onChange={(e) => onChange({ ...value, country: e.currentTarget.value })}>
          {!known && <option value={value.country}>{value.country}</option>}
          {COUNTRIES.map(([code, name]) => <option key={code} value={code}>{name}</option>)}
        </select>
        {countryError && <p class="field-error" id={`${idPrefix}-country-error`}>{countryError}</p>}
      </div>
    </div>
  );
};

export const addressText = (address: Address): string => `${address.line1}, ${address.postalCode} ${address.city}, ${address.country}`;
