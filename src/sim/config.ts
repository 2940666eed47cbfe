/**
 * The simulator's configuration: the prover model's (docs/prover-model.md, read by
 * `parseModelConfig`) plus optional sections for the run, the market, the fees a block pays and
 * per-prover economics. Every new key is optional, so a bare model file such as
 * examples/sp1-hypercube.json runs unchanged. Bad values raise `ModelConfigError` naming the path.
 */
import { readFileSync } from "node:fs";
import { ETHER, type Wei } from "../market/types.ts";
import {
  array,
  type Json,
  type ModelConfig,
  ModelConfigError,
  number,
  object,
  parseModelConfig,
  string,
} from "./model/config.ts";
import type { Prover } from "./model/provers.ts";

/** How the market sells each proof request. */
export type AuctionRule = "sealed-bid" | "dutch";

/** The market's rules as the simulator applies them (times are seconds after the block's slot start). */
export interface SimMarketConfig {
  readonly rule: AuctionRule;
  /** Sealed-bid: bids are taken until this long after the block. Dutch: the ramp's duration. */
  readonly biddingSeconds: number;
  /** The winner's exclusive window ends this long after the block (12: real-time proving). */
  readonly deadlineSeconds: number;
  /** Anyone may deliver until this long after the block. */
  readonly expirySeconds: number;
  readonly collateral: Wei;
  /** A fixed max price per request; null: derived from the fees. */
  readonly maxPrice: Wei | null;
  /**
   * The share of the missed-slot penalty the proposer adds to each request's max price (split over
   * the `required` proofs): what it pays to avoid a penalty, so faster, costlier provers may bid.
   */
  readonly penaltyHedge: number;
  /** Dutch ramps start at this share of the max price. */
  readonly dutchStartShare: number;
  readonly slashBurnBasisPoints: bigint;
  readonly missedSlotPenalty: Wei;
  readonly stakePerRequest: Wei;
  readonly slotsBeforeNoop: number;
  /** Proof types (zkVM names) each block needs; `required` of them (k-of-n). */
  readonly proofTypes: readonly string[];
  readonly required: number;
}

/**
 * What a block pays for each proof: `baseUsd + usdPerMgas × gas/1e6`, converted at `ethUsd`;
 * from slot `collapse.atSlot` on, `collapse.factor` times that (transaction fees collapsing).
 */
export interface FeesConfig {
  readonly ethUsd: number;
  readonly baseUsd: number;
  readonly usdPerMgas: number;
  readonly collapse: { readonly atSlot: number; readonly factor: number } | null;
}

/** One prover cluster of the simulation (a config prover expanded by its `count`). */
export interface SimProver {
  /** Unique id in the market: the config name, with `#i` when `count` > 1. */
  readonly id: string;
  readonly model: Prover;
  readonly stake: Wei;
  /** Bids ask `cost × (1 + margin)`. */
  readonly margin: number;
  /** Altruistic provers never bid: they prove blocks the market signals with `altruistic-start`. */
  readonly altruistic: boolean;
}

/** A whole simulation: the model, the run length, the market, the fees and the provers. */
export interface SimConfig {
  readonly model: ModelConfig;
  readonly slots: number;
  readonly slotSeconds: number;
  readonly market: SimMarketConfig;
  readonly fees: FeesConfig;
  readonly provers: readonly SimProver[];
}

const DEFAULT_SLOTS = 10_000;
const DEFAULT_FEES: FeesConfig = { ethUsd: 3000, baseUsd: 0.5, usdPerMgas: 0.02, collapse: null };

/**
 * Parses a simulator configuration object (already JSON-decoded).
 *
 * @example
 * const config = parseSimConfig(JSON.parse(readFileSync("examples/sp1-hypercube.json", "utf8")));
 * config.market.rule; // "sealed-bid"
 */
export function parseSimConfig(value: unknown): SimConfig {
  const model = parseModelConfig(value);
  const root = object(value, "$");
  const slotSeconds = optionalNumber(root, "slotSeconds", "$", 12, 1e-3, 1e6);
  const provers = parseProvers(root, model);
  return {
    model,
    slots: Math.floor(optionalNumber(root, "slots", "$", DEFAULT_SLOTS, 1, 1e9)),
    slotSeconds,
    market: parseMarket(root.market, "$.market", slotSeconds, provers),
    fees: parseFees(root.fees, "$.fees"),
    provers,
  };
}

/**
 * Reads and parses a simulator configuration file.
 *
 * @example
 * const config = loadSimConfig("examples/sp1-hypercube.json");
 */
export function loadSimConfig(path: string | URL): SimConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ModelConfigError(String(path), `cannot be read as JSON (${(err as Error).message})`);
  }
  return parseSimConfig(json);
}

/**
 * ETH (a decimal number) in wei, rounded to the nearest wei-ish (double precision).
 *
 * @example
 * ethToWei(0.5); // 500000000000000000n
 */
export function ethToWei(eth: number): Wei {
  // Split into whole ETH and the fraction so large amounts keep their integer part exact.
  const whole = Math.trunc(eth);
  return BigInt(whole) * ETHER + BigInt(Math.round((eth - whole) * 1e18));
}

/**
 * Wei as a decimal number of ETH (for reports; loses precision below ~1e-15 ETH).
 *
 * @example
 * weiToEth(ETHER / 2n); // 0.5
 */
export function weiToEth(wei: Wei): number {
  return Number(wei / ETHER) + Number(wei % ETHER) / 1e18;
}

function parseProvers(root: Json, model: ModelConfig): SimProver[] {
  const list = array(root.provers, "$.provers");
  const out: SimProver[] = [];
  list.forEach((raw, i) => {
    const path = `$.provers[${i}]`;
    const o = object(raw, path);
    const count = Math.floor(optionalNumber(o, "count", path, 1, 0, 1e5));
    const stake = ethToWei(optionalNumber(o, "stake", path, 10, 0, 1e9));
    const margin = optionalNumber(o, "margin", path, 0.2, 0, 1e6);
    // Provers of one group differ in what they ask: margins spread evenly over
    // [margin − spread, margin + spread], so more bidders find a lower clearing price.
    const spread = optionalNumber(o, "marginSpread", path, 0, 0, margin);
    const altruistic = optionalBoolean(o, "altruistic", path, false);
    const model1 = model.provers[i];
    for (let c = 0; c < count; c++) {
      out.push({
        id: count > 1 ? `${model1.name}#${c}` : model1.name,
        model: model1,
        stake,
        margin: count > 1 ? margin - spread + (2 * spread * c) / (count - 1) : margin,
        altruistic,
      });
    }
  });
  const ids = new Set<string>();
  for (const p of out) {
    if (ids.has(p.id)) throw new ModelConfigError("$.provers", `two provers are named "${p.id}"`);
    ids.add(p.id);
  }
  return out;
}

function parseMarket(
  value: unknown,
  path: string,
  slotSeconds: number,
  provers: SimProver[],
): SimMarketConfig {
  const o = value === undefined ? {} : object(value, path);
  const rule = o.rule === undefined ? "sealed-bid" : string(o, "rule", path);
  if (rule !== "sealed-bid" && rule !== "dutch") {
    throw new ModelConfigError(`${path}.rule`, `must be "sealed-bid" or "dutch", got "${rule}"`);
  }
  const deadlineSeconds = optionalNumber(o, "deadlineSeconds", path, slotSeconds, 1e-3, 1e6);
  const biddingSeconds = optionalNumber(o, "biddingSeconds", path, 1, 1e-3, deadlineSeconds);
  const slotsBeforeNoop = Math.floor(optionalNumber(o, "slotsBeforeNoop", path, 2, 1, 1e6));
  const expirySeconds = optionalNumber(
    o,
    "expirySeconds",
    path,
    slotSeconds * (slotsBeforeNoop + 1),
    deadlineSeconds,
    1e9,
  );
  const zkvms = [...new Set(provers.map((p) => p.model.zkvm.name))];
  const proofTypes = o.proofTypes === undefined ? zkvms : parseProofTypes(o.proofTypes, `${path}.proofTypes`);
  const required = Math.floor(optionalNumber(o, "required", path, proofTypes.length, 1, proofTypes.length));
  return {
    rule,
    biddingSeconds,
    deadlineSeconds,
    expirySeconds,
    collateral: ethToWei(optionalNumber(o, "collateral", path, 0.001, 0, 1e9)),
    maxPrice: o.maxPrice === undefined ? null : ethToWei(number(o, "maxPrice", path, 0, 1e9)),
    penaltyHedge: optionalNumber(o, "penaltyHedge", path, 0, 0, 1),
    dutchStartShare: optionalNumber(o, "dutchStartShare", path, 0, 0, 1),
    slashBurnBasisPoints: BigInt(Math.round(optionalNumber(o, "slashBurnBasisPoints", path, 5000, 0, 10000))),
    missedSlotPenalty: ethToWei(optionalNumber(o, "missedSlotPenalty", path, 1, 0, 1e9)),
    stakePerRequest: ethToWei(optionalNumber(o, "stakePerRequest", path, 1, 0, 1e9)),
    slotsBeforeNoop,
    proofTypes,
    required,
  };
}

function parseProofTypes(value: unknown, path: string): string[] {
  const list = array(value, path).map((v, i) => {
    if (typeof v !== "string" || v === "")
      throw new ModelConfigError(`${path}[${i}]`, "must be a non-empty string");
    return v;
  });
  if (list.length === 0 || new Set(list).size !== list.length) {
    throw new ModelConfigError(path, "must be a non-empty list of distinct names");
  }
  return list;
}

function parseFees(value: unknown, path: string): FeesConfig {
  if (value === undefined) return DEFAULT_FEES;
  const o = object(value, path);
  return {
    ethUsd: optionalNumber(o, "ethUsd", path, DEFAULT_FEES.ethUsd, 1e-6, 1e9),
    baseUsd: optionalNumber(o, "baseUsd", path, DEFAULT_FEES.baseUsd, 0, 1e9),
    usdPerMgas: optionalNumber(o, "usdPerMgas", path, DEFAULT_FEES.usdPerMgas, 0, 1e9),
    collapse: o.collapse === undefined ? null : parseCollapse(o.collapse, `${path}.collapse`),
  };
}

function parseCollapse(value: unknown, path: string): { atSlot: number; factor: number } {
  const o = object(value, path);
  return {
    atSlot: Math.floor(number(o, "atSlot", path, 0, 1e9)),
    factor: number(o, "factor", path, 0, 1),
  };
}

function optionalNumber(
  o: Json,
  key: string,
  path: string,
  fallback: number,
  min: number,
  max: number,
): number {
  return o[key] === undefined ? fallback : number(o, key, path, min, max);
}

function optionalBoolean(o: Json, key: string, path: string, fallback: boolean): boolean {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== "boolean") throw new ModelConfigError(`${path}.${key}`, "must be true or false");
  return v;
}
