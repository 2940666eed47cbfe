/**
 * A simulated prover cluster: what it holds (one job proving, the rest queued), what it did, and
 * the price it asks for a block: its cost for the block's nominal proving time plus its margin.
 */
import type { Wei } from "../market/types.ts";
import type { SimProver } from "./config.ts";
import type { Block } from "./model/blocks.ts";
import { nominalProvingSeconds, provingCostUsd } from "./model/provers.ts";
import { usdToWei } from "./units.ts";

/** What one prover did over the run. */
export interface ProverOutcome {
  readonly id: string;
  readonly altruistic: boolean;
  /** Wei earned: prices paid and rescue bounties. */
  revenue: Wei;
  /** USD of GPU time spent, including aborted and failed attempts. */
  costUsd: number;
  /** Requests won, proofs delivered, failed attempts. */
  won: number;
  delivered: number;
  failures: number;
  /** Times slashed and the collateral lost. */
  slashes: number;
  slashedWei: Wei;
  rescues: number;
}

export type Job = {
  block: number;
  proofType: string;
  request: string | null;
  /** Bid on but not won yet (sealed auction running, Dutch not locked). */
  tentative: boolean;
  cancelled: boolean;
  startedAt: number;
  /** Expected seconds (p90), for deciding whether more work fits. */
  expected: number;
  /** The pool item this job took, returned to the pool if the attempt fails. */
  fromPool: boolean;
  /** Proving a request it did not bid on, in case nobody wins it. */
  shadow?: boolean;
};

export type ProverState = {
  spec: SimProver;
  /** 90th percentile of the latency multiplier. */
  p90Factor: number;
  current: Job | null;
  queue: Job[];
  out: ProverOutcome;
  /** Down (an outage) until this time; up when it is past. */
  downUntil: number;
};

/** The standard normal's 90th percentile. */
const Z90 = 1.2816;

/** A prover with nothing done and nothing held. */
export function newProverState(spec: SimProver): ProverState {
  return {
    spec,
    p90Factor: Math.exp(Z90 * spec.model.latencySigma),
    current: null,
    queue: [],
    downUntil: 0,
    out: {
      id: spec.id,
      altruistic: spec.altruistic,
      revenue: 0n,
      costUsd: 0,
      won: 0,
      delivered: 0,
      failures: 0,
      slashes: 0,
      slashedWei: 0n,
      rescues: 0,
    },
  };
}

/** A job for `block`'s `proofType`, not started. */
export function newJob(fields: Pick<Job, "block" | "proofType" | "request"> & Partial<Job>): Job {
  return { tentative: false, cancelled: false, startedAt: 0, expected: 0, fromPool: false, ...fields };
}

/** When the prover expects to be free of the work it holds (p90 estimates). */
export function freeAt(p: ProverState, now: number): number {
  let t = now;
  if (p.current) t = Math.max(now, p.current.startedAt + p.current.expected);
  for (const j of p.queue) t += j.expected;
  return t;
}

/** The prover's GPU cost of proving `block`, in wei. */
export function provingCostWei(p: ProverState, block: Block, ethUsd: number): Wei {
  return usdToWei(provingCostUsd(p.spec.model, nominalProvingSeconds(p.spec.model, block)), ethUsd);
}

/**
 * What the prover would ask for `block` under `maxPrice`, and the p90 seconds it expects to
 * take; undefined when its cost is above `maxPrice` (it does not take the work).
 */
export function askFor(
  p: ProverState,
  block: Block,
  maxPrice: Wei,
  ethUsd: number,
): { price: Wei; expected: number } | undefined {
  const nominal = nominalProvingSeconds(p.spec.model, block);
  const cost = usdToWei(provingCostUsd(p.spec.model, nominal), ethUsd);
  if (cost > maxPrice) return undefined;
  const ask = usdToWei(provingCostUsd(p.spec.model, nominal) * (1 + p.spec.margin), ethUsd);
  return { price: ask < maxPrice ? ask : maxPrice, expected: nominal * p.p90Factor };
}
