import { SeededRandom } from './seeded-random';

test('the same seed gives the same draws, another seed others, all within their bounds', () => {
  const draws = (seed: number): number[] => {
    const random = new SeededRandom(seed);
    return Array.from({ length: 50 }, () => random.int(1, 6));
  };
  expect(draws(42)).toEqual(draws(42));
  expect(draws(42)).not.toEqual(draws(43));
  expect(new Set(draws(42))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
});
