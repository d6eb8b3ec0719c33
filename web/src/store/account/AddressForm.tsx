import { useState } from 'preact/hooks';
import type { Address } from './types.js';

export const EMPTY_ADDRESS: Address = { line1: '', city: '', postalCode: '', country: '' };

/** The fields of a postal address (street, city, postal code, the country's two-letter code), for any form. */
export const AddressFields = ({ value, onChange }: { value: Address; onChange: (address: Address) => void }) => {
  const field = (name: keyof Address) => ({
    name,
    value: value[name],
    required: true,
    onInput: (event: Event) => onChange({ ...value, [name]: (event.currentTarget as HTMLInputElement).value }),
  });
  return (
    <div class="address-fields">
      <label class="wide">
        Street and number
        <input {...field('line1')} autocomplete="address-line1" maxLength={200} />
      </label>
      <label>
        City
        <input {...field('city')} autocomplete="address-level2" maxLength={100} />
      </label>
      <label>
        Postal code
        <input {...field('postalCode')} autocomplete="postal-code" maxLength={20} />
      </label>
      <label>
        Country code
        <input {...field('country')} autocomplete="country" maxLength={2} minLength={2} pattern="[A-Za-z]{2}" title="Two letters, e.g. US, GB, DE" placeholder="US" />
      </label>
    </div>
  );
};

/** The country as the API takes it: two capital letters. */
export const normalAddress = (address: Address): Address => ({ ...address, country: address.country.trim().toUpperCase() });

type Props = {
  initial?: Address;
  submitLabel: string;
  busy: boolean;
  onSubmit: (address: Address) => void;
  onCancel?: () => void;
};

/** A form of its own for one address. */
export const AddressForm = ({ initial = EMPTY_ADDRESS, submitLabel, busy, onSubmit, onCancel }: Props) => {
  const [address, setAddress] = useState<Address>(initial);
  const submit = (event: Event) => {
    event.preventDefault();
    onSubmit(normalAddress(address));
  };
  return (
    <form class="address-form" onSubmit={submit}>
      <AddressFields value={address} onChange={setAddress} />
      <div class="row">
        <button type="submit" disabled={busy}>{busy ? 'Saving…' : submitLabel}</button>
        {onCancel && <button type="button" class="secondary" onClick={onCancel}>Cancel</button>}
      </div>
    </form>
  );
};

export const addressLine = (address: Address): string => `${address.line1}, ${address.postalCode} ${address.city}, ${address.country}`;
