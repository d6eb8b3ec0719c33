/** A reproducible source of numbers in [0, 1) (a linear congruential generator): fixtures that look random, the same at every run. */
export const seeded = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
