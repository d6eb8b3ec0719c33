import type { Money } from '../../shared/api.js';

/** A product's editable fields as the form holds them (the price as typed, in major units). */
export type ProductDraft = { name: string; description: string; brand: string; category: string; price: string };
export const FIELDS: Array<keyof ProductDraft> = ['name', 'brand', 'category', 'price', 'description'];

export const draftOf = (product: { name: string; description: string; brand: string; category: string; price: Money }): ProductDraft => ({
  name: product.name,
  description: product.description,
  brand: product.brand,
  category: product.category,
  price: (product.price.amount / 100).toFixed(2),
});

/** A price as typed: digits, and at most two of them after the point (cents). */
const AMOUNT = /^(\d+(\.\d{0,2})?|\.\d{1,2})$/;

/**
 * The typed price in minor units, or null when it is not an amount. A third decimal (7.999) is
 * refused, never rounded: the operator would not see the price they typed saved.
 */
export const minorUnits = (price: string): number | null => {
  const text = price.trim();
  return AMOUNT.test(text) ? Math.round(Number(text) * 100) : null;
};

/** What the form says about a price that is not one. */
export const PRICE_ERROR = 'price: must be an amount in dollars with at most 2 decimals, like 12.50 (no rounding)';

const LABELS: Record<keyof ProductDraft, string> = { name: 'Name', description: 'Description', brand: 'Brand', category: 'Category', price: 'Price (USD)' };

/** The form's fields for a product (create and edit share them). */
export const ProductFields = ({ draft, onChange, idPrefix }: { draft: ProductDraft; onChange: (draft: ProductDraft) => void; idPrefix: string }) => (
  <div class="form-grid">
    {FIELDS.map((field) => (
      <label key={field} class={field === 'description' ? 'wide' : ''} for={`${idPrefix}-${field}`}>
        {LABELS[field]}
        {field === 'description' ? (
          <textarea id={`${idPrefix}-${field}`} rows={3} value={draft[field]} onInput={(e) => onChange({ ...draft, [field]: e.currentTarget.value })} />
        ) : (
          <input
            id={`${idPrefix}-${field}`}
            required
            inputMode={field === 'price' ? 'decimal' : undefined}
            value={draft[field]}
            onInput={(e) => onChange({ ...draft, [field]: e.currentTarget.value })}
          />
        )}
      </label>
    ))}
  </div>
);
