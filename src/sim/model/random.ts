/**
 * Draws from the distributions the prover model needs, on top of any source of uniform 32-bit
 * integers. The project's seeded PRNG (`Rng`, mulberry32, in `src/util/prng.ts`) is that
 * source: one `uint32()` is a handful of integer operations, so the few draws a block or a proof
 * needs cost well under a microsecond, and a seed replays a whole simulation exactly.
 */

/** Anything that yields uniformly distributed 32-bit unsigned integers, e.g. `new Rng(seed)`. */
export interface RandomSource {
  uint32(): number;
}

const TWO_POW_32 = 2 ** 32;

/**
 * A uniform draw in the open interval (0, 1). Zero is excluded because callers take its
 * logarithm (Box–Muller, inverse CDFs).
 *
 * @example
 * const u = uniform01(new Rng(1)); // 0 < u < 1
 */
export function uniform01(rng: RandomSource): number {
  return (rng.uint32() + 0.5) / TWO_POW_32;
}

/**
 * A standard normal draw by the Box–Muller transform. It spends two uniforms and keeps one
 * output: caching the second would make a draw depend on the call history of the source,
 * which breaks replaying one block or one proof from a seed.
 *
 * @example
 * const z = standardNormal(new Rng(1));
 */
export function standardNormal(rng: RandomSource): number {
  const u = uniform01(rng);
  const v = uniform01(rng);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * A log-normal draw with the given median and log-space standard deviation `sigma`.
 *
 * @example
 * const multiplier = logNormal(new Rng(1), 1, 0.1); // around 1, right-skewed
 */
export function logNormal(rng: RandomSource, median: number, sigma: number): number {
  return median * Math.exp(sigma * standardNormal(rng));
}

/**
 * A Kumaraswamy(a, b) draw on [0, 1]: a Beta-shaped distribution whose inverse CDF is closed
 * form, so a draw is one uniform and two powers instead of a Beta's rejection loop.
 *
 * @example
 * const fill = kumaraswamy(new Rng(1), 2, 3); // mean ≈ 0.457
 */
export function kumaraswamy(rng: RandomSource, a: number, b: number): number {
  return (1 - uniform01(rng) ** (1 / b)) ** (1 / a);
}

/**
 * The mean of Kumaraswamy(a, b): b · B(1 + 1/a, b), summed as a series so that no Gamma
 * function is needed (the terms fall fast for the shapes used here).
 *
 * @example
 * kumaraswamyMean(2, 3); // ≈ 0.457
 */
export function kumaraswamyMean(a: number, b: number): number {
  // b·B(1+1/a, b) = ∫₀¹ x^{1/a}·b·(1−x)^{b−1} dx, integrated numerically (Simpson, 2000 steps).
  const steps = 2000;
  const f = (x: number): number => x ** (1 / a) * b * (1 - x) ** (b - 1);
  let sum = f(0) + f(1);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 0 ? 2 : 4) * f(i / steps);
  return sum / (3 * steps);
}

/**
 * An exponential draw with the given mean (memoryless waiting times: outages, repairs).
 *
 * @example
 * const hours = exponential(new Rng(1), 200);
 */
export function exponential(rng: RandomSource, mean: number): number {
  return -mean * Math.log(uniform01(rng));
}

/**
 * True with probability `p`.
 *
 * @example
 * if (bernoulli(rng, 0.01)) { ... }
 */
export function bernoulli(rng: RandomSource, p: number): boolean {
  return uniform01(rng) < p;
}

/** The standard normal quantile for p = 0.998 (the expected maximum of 500 draws, roughly). */
export const Z_998 = 2.8782;
