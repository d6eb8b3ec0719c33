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

/** The typed price in minor units, or null when it is not an amount. */
export const minorUnits = (price: string): number | null => {
  const value = Number(price.trim());
  return price.trim() !== '' && Number.isFinite(value) && value >= 0 ? Math.round(value * 100) : null;
};

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
