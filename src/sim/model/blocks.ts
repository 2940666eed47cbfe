/**
 * The block stream: gas used per block drawn from a mainnet-like distribution, cycles per gas
 * drawn per zkVM, and prover-killer blocks injected at a configurable share. Sources and the
 * derivation of every default are in docs/prover-model.md.
 */
import { kumaraswamy, kumaraswamyMean, type RandomSource, standardNormal, uniform01 } from "./random.ts";
import { cyclesPerGasAt, type ZkvmProfile } from "./zkvm.ts";

/**
 * Gas used as a fraction of the gas limit: a share of empty blocks, a share of full blocks
 * (uniform between `fullFloor` and 1), and the rest Kumaraswamy(a, b) — a Beta-like hump that
 * EIP-1559 keeps centred near half the limit.
 */
export interface GasUsedDistribution {
  readonly emptyShare: number;
  readonly fullShare: number;
  readonly fullFloor: number;
  readonly bodyA: number;
  readonly bodyB: number;
}

/** A prover-killer workload: a block filled with one expensive-to-prove operation. */
export interface Workload {
  readonly name: string;
  /** Cycles per gas of a block made of this workload, on the reference zkVM. */
  readonly cyclesPerGas: number;
  /** Relative frequency among adversarial blocks. */
  readonly weight: number;
}

/** How adversarial blocks are injected into the stream. */
export interface AdversarialBlocks {
  /** The share of blocks that are adversarial, in [0, 1]. */
  readonly share: number;
  /** Their gas used as a fraction of the limit (an attacker fills the block: 1). */
  readonly gasFraction: number;
  readonly workloads: readonly Workload[];
}

/** A stream of blocks as one zkVM sees them. */
export interface BlockStream {
  readonly gasLimit: number;
  readonly gasUsed: GasUsedDistribution;
  /** The zkVM whose cycles `sampleBlock` reports; `cyclesPerGasFor` gives any other's. */
  readonly zkvm: ZkvmProfile;
  readonly adversarial: AdversarialBlocks;
}

/** One block of the stream. */
export interface Block {
  readonly gas: number;
  /** Cycles per gas for the stream's zkVM. */
  readonly cyclesPerGas: number;
  readonly adversarial: boolean;
  /** The prover-killer workload of an adversarial block; null for an organic one. */
  readonly workload: Workload | null;
  /** A standard normal draw: how heavy the block is for every zkVM (organic blocks). */
  readonly heaviness: number;
  /** gas × cyclesPerGas. */
  readonly cycles: number;
}

/**
 * Worst-case workloads, in cycles per gas (sources in docs/prover-model.md).
 *
 * @example
 * PROVER_KILLER_WORKLOADS.find((w) => w.name === "MULMOD")?.cyclesPerGas; // 117
 */
export const PROVER_KILLER_WORKLOADS: readonly Workload[] = [
  { name: "SELFBALANCE", cyclesPerGas: 132, weight: 1 },
  { name: "MULMOD", cyclesPerGas: 117, weight: 1 },
  { name: "point evaluation", cyclesPerGas: 43, weight: 1 },
  { name: "modexp", cyclesPerGas: 40, weight: 1 },
  { name: "keccak", cyclesPerGas: 21, weight: 1 },
];

/**
 * Draws one block. Every block consumes the same six uniforms whatever it turns out to be, so
 * two streams that differ only in their adversarial share see the same organic blocks in the
 * same slots — injection replaces blocks, it does not reshuffle the rest.
 *
 * @example
 * const block = sampleBlock(stream, new Rng(7));
 * block.cycles === block.gas * block.cyclesPerGas; // true
 */
export function sampleBlock(stream: BlockStream, rng: RandomSource): Block {
  const uAdversarial = uniform01(rng);
  const uWorkload = uniform01(rng);
  const uKind = uniform01(rng);
  const fill = kumaraswamy(rng, stream.gasUsed.bodyA, stream.gasUsed.bodyB);
  const heaviness = standardNormal(rng);

  if (uAdversarial < stream.adversarial.share && stream.adversarial.workloads.length > 0) {
    const workload = pickWorkload(stream.adversarial.workloads, uWorkload);
    const gas = Math.round(stream.gasLimit * stream.adversarial.gasFraction);
    const cyclesPerGas = workload.cyclesPerGas * stream.zkvm.workloadScale;
    return { gas, cyclesPerGas, adversarial: true, workload, heaviness, cycles: gas * cyclesPerGas };
  }
  const gas = Math.round(stream.gasLimit * organicFill(stream.gasUsed, uKind, uWorkload, fill));
  const cyclesPerGas = cyclesPerGasAt(stream.zkvm, heaviness);
  return { gas, cyclesPerGas, adversarial: false, workload: null, heaviness, cycles: gas * cyclesPerGas };
}

/**
 * The cycles per gas of a block for another zkVM than the stream's: the same heaviness for an
 * organic block, the same workload for an adversarial one.
 *
 * @example
 * const risc0Cycles = block.gas * cyclesPerGasFor(block, ZKVMS.risc0);
 */
export function cyclesPerGasFor(block: Block, zkvm: ZkvmProfile): number {
  if (block.workload !== null) return block.workload.cyclesPerGas * zkvm.workloadScale;
  return cyclesPerGasAt(zkvm, block.heaviness);
}

/**
 * The same stream with adversarial blocks injected at `share` (0 turns them off).
 *
 * @example
 * const attacked = withAdversarialShare(stream, 0.05);
 */
export function withAdversarialShare(stream: BlockStream, share: number): BlockStream {
  return { ...stream, adversarial: { ...stream.adversarial, share } };
}

/**
 * The expected gas used by an organic block.
 *
 * @example
 * meanOrganicGas(stream) / stream.gasLimit; // ≈ 0.5 for the mainnet-like defaults
 */
export function meanOrganicGas(stream: BlockStream): number {
  const d = stream.gasUsed;
  const body = 1 - d.emptyShare - d.fullShare;
  const fullMean = (1 + d.fullFloor) / 2;
  return stream.gasLimit * (d.fullShare * fullMean + body * kumaraswamyMean(d.bodyA, d.bodyB));
}

/** Gas used over the limit for an organic block, from its three pre-drawn uniforms. */
function organicFill(d: GasUsedDistribution, uKind: number, uFull: number, bodyFill: number): number {
  if (uKind < d.emptyShare) return 0;
  if (uKind < d.emptyShare + d.fullShare) return d.fullFloor + (1 - d.fullFloor) * uFull;
  return bodyFill;
}

/** The workload a uniform draw selects, by weight. */
function pickWorkload(workloads: readonly Workload[], u: number): Workload {
  let total = 0;
  for (const w of workloads) total += w.weight;
  let threshold = u * total;
  for (const w of workloads) {
    threshold -= w.weight;
    if (threshold < 0) return w;
  }
  return workloads[workloads.length - 1];
}
