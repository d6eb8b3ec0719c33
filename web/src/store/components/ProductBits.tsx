import { money } from '../../shared/format.js';
import type { Product, Rating } from '../types.js';

/** A hue for each category (varied a little by the name), so the tiles of a grid tell categories apart. */
const hueOf = (text: string): number => {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) % 360;
  return hash;
};

/** The product's picture: the catalog has no images, so a tile with its initials in its category's colour. */
export const ProductVisual = ({ name, category, large = false }: { name: string; category: string; large?: boolean }) => {
  const hue = (hueOf(category) + (hueOf(name) % 50)) % 360;
  const initials = name.split(/\s+/).filter(Boolean).slice(0, 2).map((word) => word[0]!.toUpperCase()).join('');
  return (
    <div class={`visual${large ? ' large' : ''}`} aria-hidden="true" style={{ background: `linear-gradient(135deg, hsl(${hue} 70% 92%), hsl(${(hue + 40) % 360} 60% 82%))`, color: `hsl(${hue} 45% 28%)` }}>
      <span>{initials}</span>
    </div>
  );
};

/** Stars out of five, read out as words. */
export const Stars = ({ rating, compact = false }: { rating: Rating; compact?: boolean }) => {
  if (rating.count === 0) return <span class="stars muted">{compact ? 'No reviews' : 'No reviews yet'}</span>;
  const rounded = Math.round(rating.average * 2) / 2;
  const label = `Rated ${rating.average.toFixed(1)} out of 5, ${rating.count} review${rating.count === 1 ? '' : 's'}`;
  return (
    <span class="stars" role="img" aria-label={label}>
      <span class="star-row" aria-hidden="true">
        {[1, 2, 3, 4, 5].map((n) => <span key={n} class={n <= rounded ? 'on' : n - 0.5 === rounded ? 'half' : ''}>★</span>)}
      </span>
      <span aria-hidden="true" class="muted"> {rating.average.toFixed(1)} ({rating.count})</span>
    </span>
  );
};

/** In stock (how many) or not, as a badge. */
export const Availability = ({ product }: { product: Pick<Product, 'available' | 'inStock'> }) =>
  product.inStock && product.available > 0 ? (
    <span class={`badge ${product.available <= 5 ? 'warn' : 'ok'}`}>{product.available <= 5 ? `Only ${product.available} left` : `In stock: ${product.available}`}</span>
  ) : (
    <span class="badge bad">Out of stock</span>
  );

/** One product in a grid: its tile, name (the link), brand, price, rating, availability. */
export const ProductCard = ({ product }: { product: Product }) => (
  <li class="product-card">
    <ProductVisual name={product.name} category={product.category} />
    <div class="product-card-body">
      <p class="brand-name muted">{product.brand}</p>
      <h2 class="product-name">
        <a href={`/products/${product.productId}`} class="stretched">{product.name}</a>
      </h2>
      <Stars rating={product.rating} compact />
      <div class="product-card-foot">
        <span class="price">{money(product.price)}</span>
        <Availability product={product} />
      </div>
    </div>
  </li>
);
