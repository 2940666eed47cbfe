/**
 * zkVM profiles: how many RISC-V cycles a zkVM spends per unit of EVM gas on ordinary mainnet
 * blocks. Sources and derivations are in docs/prover-model.md.
 */
import { Z_998 } from "./random.ts";

/** What the model knows about one zkVM's workload on mainnet blocks. */
export interface ZkvmProfile {
  /** A short name: "sp1", "zisk", "risc0", … */
  readonly name: string;
  /** The median cycles per gas over mainnet blocks. */
  readonly medianCyclesPerGas: number;
  /**
   * The cycles per gas of the heaviest block in a 500-block sample, read as the 99.8th
   * percentile (1 − 1/500); it fixes how fat the right tail is.
   */
  readonly tailCyclesPerGas: number;
  /**
   * Scales the adversarial workloads' cycles per gas (measured on a reference zkVM) to this
   * zkVM; 1 where nothing better is known.
   */
  readonly workloadScale: number;
}

/**
 * The log-space standard deviation of a zkVM's cycles-per-gas distribution: log-normal with
 * the published median, its 99.8th percentile at the published tail.
 *
 * @example
 * cyclesPerGasSigma(ZKVMS.sp1); // ≈ 0.26
 */
export function cyclesPerGasSigma(zkvm: ZkvmProfile): number {
  return Math.log(zkvm.tailCyclesPerGas / zkvm.medianCyclesPerGas) / Z_998;
}

/**
 * Cycles per gas of an ordinary block for a zkVM, given the block's heaviness (a standard
 * normal draw shared by all zkVMs, so a block heavy for one zkVM is heavy for all of them).
 *
 * @example
 * cyclesPerGasAt(ZKVMS.sp1, 0); // 19.4, the median
 */
export function cyclesPerGasAt(zkvm: ZkvmProfile, heaviness: number): number {
  return zkvm.medianCyclesPerGas * Math.exp(cyclesPerGasSigma(zkvm) * heaviness);
}

/**
 * The published zkVM profiles (medians over 500 mainnet blocks; tails as read in
 * docs/prover-model.md — ZisK's tail is interpolated, an assumption).
 *
 * @example
 * const sp1 = ZKVMS.sp1;
 */
export const ZKVMS: Readonly<Record<"sp1" | "zisk" | "risc0", ZkvmProfile>> = {
  sp1: { name: "sp1", medianCyclesPerGas: 19.4, tailCyclesPerGas: 41, workloadScale: 1 },
  zisk: { name: "zisk", medianCyclesPerGas: 21.7, tailCyclesPerGas: 59, workloadScale: 1 },
  risc0: { name: "risc0", medianCyclesPerGas: 27.6, tailCyclesPerGas: 122, workloadScale: 1 },
};
