/**
 * The prover: a zkVM on a GPU cluster. Proving time is a fixed overhead plus the block's
 * cycles over the cluster's throughput, times a fat-tailed latency multiplier; throughput
 * grows with GPUs with diminishing returns (Amdahl's law: the executor that feeds the GPUs is
 * serial). Sources and derivations are in docs/prover-model.md.
 */
import { type Block, cyclesPerGasFor } from "./blocks.ts";
import { exponential, logNormal, type RandomSource, uniform01 } from "./random.ts";
import type { ZkvmProfile } from "./zkvm.ts";

/** One prover: its zkVM, its hardware, its latency, its reliability and its prices. */
export interface Prover {
  readonly name: string;
  readonly zkvm: ZkvmProfile;
  readonly gpuType: string;
  readonly gpus: number;
  /** Cycles one GPU proves per second when nothing else limits it. */
  readonly cyclesPerSecondPerGpu: number;
  /** Amdahl's serial fraction of the per-cycle work: 1/serialFraction GPUs is the ceiling. */
  readonly serialFraction: number;
  /** Seconds to produce the execution witness before proving (0 when it comes with the block). */
  readonly witnessSeconds: number;
  /** Seconds of recursion/aggregation and pipeline latency that do not shrink with GPUs. */
  readonly recursionSeconds: number;
  /** Seconds to wrap the final STARK into a SNARK (0 when the STARK is the proof delivered). */
  readonly wrapSeconds: number;
  /** Log-space standard deviation of the latency multiplier (median 1). */
  readonly latencySigma: number;
  /** The probability that one proof attempt fails. */
  readonly failureProbability: number;
  /** Mean hours between outages of the whole prover. */
  readonly meanHoursBetweenOutages: number;
  /** Mean hours an outage lasts. */
  readonly meanOutageHours: number;
  /** What one GPU-hour costs the prover (rented, or owned and amortized). */
  readonly gpuHourUsd: number;
  /** Purchase price of one GPU. */
  readonly gpuPriceUsd: number;
  /** Purchase price of the host (CPU, memory, board, network) per GPU. */
  readonly hostPriceUsdPerGpu: number;
}

/** The outcome of one proof attempt. */
export interface ProofAttempt {
  /** Seconds until the proof is out, or until the attempt is known to have failed. */
  readonly seconds: number;
  readonly failed: boolean;
}

/** One outage cycle of a prover: up this long, then down this long. */
export interface Outage {
  readonly upHours: number;
  readonly downHours: number;
}

/**
 * How many GPUs' worth of work `gpus` GPUs do on one proof (Amdahl's law): linear at first,
 * flattening toward 1/serialFraction.
 *
 * @example
 * effectiveGpus(160, 1 / 40); // ≈ 32.2
 */
export function effectiveGpus(gpus: number, serialFraction: number): number {
  if (gpus <= 0) return 0;
  return gpus / (1 + serialFraction * (gpus - 1));
}

/**
 * Cycles per second the prover's cluster proves on one block.
 *
 * @example
 * provingThroughput(prover) / 1e6; // MHz of proven RISC-V cycles
 */
export function provingThroughput(prover: Prover): number {
  return prover.cyclesPerSecondPerGpu * effectiveGpus(prover.gpus, prover.serialFraction);
}

/**
 * The proving time of one block before latency noise: overheads plus cycles over throughput.
 *
 * @example
 * nominalProvingSeconds(prover, block); // seconds
 */
export function nominalProvingSeconds(prover: Prover, block: Block): number {
  const cycles = block.gas * cyclesPerGasFor(block, prover.zkvm);
  const fixed = prover.witnessSeconds + prover.recursionSeconds + prover.wrapSeconds;
  return fixed + cycles / provingThroughput(prover);
}

/**
 * One proof attempt of `block` by `prover`: the nominal time times a log-normal latency
 * multiplier; with probability `failureProbability` the attempt fails part-way and `seconds`
 * is when that is known. Always draws four uniforms, so outcomes stay aligned across provers.
 *
 * @example
 * const { seconds, failed } = provingTime(prover, block, rng);
 */
export function provingTime(prover: Prover, block: Block, rng: RandomSource): ProofAttempt {
  const seconds = nominalProvingSeconds(prover, block) * logNormal(rng, 1, prover.latencySigma);
  const failed = uniform01(rng) < prover.failureProbability;
  const failedAt = uniform01(rng);
  return failed ? { seconds: seconds * failedAt, failed } : { seconds, failed };
}

/**
 * What keeping the prover's GPUs busy for `seconds` costs, in USD.
 *
 * @example
 * provingCostUsd(prover, 10.3); // 160 GPUs × $0.34/h × 10.3 s ≈ $0.156
 */
export function provingCostUsd(prover: Prover, seconds: number): number {
  return (prover.gpus * prover.gpuHourUsd * seconds) / 3600;
}

/**
 * What buying the prover's hardware costs, in USD.
 *
 * @example
 * hardwareCostUsd(prover); // 160 × ($1,599 + host share)
 */
export function hardwareCostUsd(prover: Prover): number {
  return prover.gpus * (prover.gpuPriceUsd + prover.hostPriceUsdPerGpu);
}

/** What owning one GPU costs per hour: the hardware written off over its life, plus power. */
export interface OwnedGpu {
  readonly gpuPriceUsd: number;
  readonly hostPriceUsdPerGpu: number;
  readonly lifetimeHours: number;
  readonly watts: number;
  readonly usdPerKwh: number;
}

/**
 * The hourly cost of an owned GPU, to compare with a rented GPU-hour.
 *
 * @example
 * ownedGpuHourUsd({ gpuPriceUsd: 1599, hostPriceUsdPerGpu: 500, lifetimeHours: 26280, watts: 450, usdPerKwh: 0.15 });
 */
export function ownedGpuHourUsd(gpu: OwnedGpu): number {
  return (gpu.gpuPriceUsd + gpu.hostPriceUsdPerGpu) / gpu.lifetimeHours + (gpu.watts / 1000) * gpu.usdPerKwh;
}

/**
 * The long-run share of time the prover is up.
 *
 * @example
 * availability(prover); // e.g. 0.995
 */
export function availability(prover: Prover): number {
  return prover.meanHoursBetweenOutages / (prover.meanHoursBetweenOutages + prover.meanOutageHours);
}

/**
 * One up-then-down cycle of the prover, both exponential (memoryless failures and repairs).
 *
 * @example
 * const { upHours, downHours } = sampleOutage(prover, rng);
 */
export function sampleOutage(prover: Prover, rng: RandomSource): Outage {
  return {
    upHours: exponential(rng, prover.meanHoursBetweenOutages),
    downHours: exponential(rng, prover.meanOutageHours),
  };
}
