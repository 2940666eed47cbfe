/**
 * Reads a prover-model configuration (the JSON schema of examples/sp1-hypercube.json, described
 * in docs/prover-model.md) into the model's types, rejecting any bad value with the JSON path
 * that holds it.
 */
import { readFileSync } from "node:fs";
import { NrxError } from "../../util/errors.ts";
import type { AdversarialBlocks, BlockStream, GasUsedDistribution, Workload } from "./blocks.ts";
import type { Prover } from "./provers.ts";
import type { ZkvmProfile } from "./zkvm.ts";

/** A configuration value that is missing, of the wrong type or out of range. */
export class ModelConfigError extends NrxError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = "ModelConfigError";
  }
}

/** Figures a configuration was calibrated against, when it says so. */
export interface PublishedFigures {
  readonly shareUnderSeconds: number;
  readonly seconds: number;
  readonly meanSeconds: number;
}

/** A whole model: the block stream, the zkVMs it names and the provers. */
export interface ModelConfig {
  readonly seed: number;
  readonly stream: BlockStream;
  readonly zkvms: Readonly<Record<string, ZkvmProfile>>;
  readonly provers: readonly Prover[];
  readonly published: PublishedFigures | null;
}

/** A decoded JSON object. */
export type Json = Record<string, unknown>;

/**
 * Parses a configuration object (already JSON-decoded).
 *
 * @example
 * const model = parseModelConfig(JSON.parse(text));
 * sampleBlock(model.stream, new Rng(model.seed));
 */
export function parseModelConfig(value: unknown): ModelConfig {
  const root = object(value, "$");
  const zkvmsJson = object(root.zkvms, "$.zkvms");
  const zkvms: Record<string, ZkvmProfile> = {};
  for (const name of Object.keys(zkvmsJson))
    zkvms[name] = parseZkvm(name, zkvmsJson[name], `$.zkvms.${name}`);
  const provers = array(root.provers, "$.provers").map((p, i) => parseProver(p, `$.provers[${i}]`, zkvms));
  return {
    seed: number(root, "seed", "$", 0, 2 ** 32 - 1),
    stream: parseStream(root.blocks, "$.blocks", zkvms),
    zkvms,
    provers,
    published: root.published === undefined ? null : parsePublished(root.published, "$.published"),
  };
}

/**
 * Reads and parses a configuration file.
 *
 * @example
 * const model = loadModelConfig("examples/sp1-hypercube.json");
 */
export function loadModelConfig(path: string | URL): ModelConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ModelConfigError(String(path), `cannot be read (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelConfigError(String(path), `is not JSON (${(err as Error).message})`);
  }
  return parseModelConfig(json);
}

function parseStream(value: unknown, path: string, zkvms: Record<string, ZkvmProfile>): BlockStream {
  const o = object(value, path);
  return {
    gasLimit: number(o, "gasLimit", path, 1, Number.MAX_SAFE_INTEGER),
    gasUsed: parseGasUsed(o.gasUsed, `${path}.gasUsed`),
    zkvm: zkvmNamed(o, "zkvm", path, zkvms),
    adversarial: parseAdversarial(o.adversarial, `${path}.adversarial`),
  };
}

function parseGasUsed(value: unknown, path: string): GasUsedDistribution {
  const o = object(value, path);
  const d = {
    emptyShare: number(o, "emptyShare", path, 0, 1),
    fullShare: number(o, "fullShare", path, 0, 1),
    fullFloor: number(o, "fullFloor", path, 0, 1),
    // b ≥ 1 keeps the body's density finite at a full block (and its mean integrable).
    bodyA: number(o, "bodyA", path, 0.1, 100),
    bodyB: number(o, "bodyB", path, 1, 100),
  };
  if (d.emptyShare + d.fullShare > 1) throw new ModelConfigError(path, "emptyShare + fullShare exceeds 1");
  return d;
}

function parseAdversarial(value: unknown, path: string): AdversarialBlocks {
  const o = object(value, path);
  const workloads = array(o.workloads, `${path}.workloads`).map((w, i): Workload => {
    const wp = `${path}.workloads[${i}]`;
    const wo = object(w, wp);
    return {
      name: string(wo, "name", wp),
      cyclesPerGas: number(wo, "cyclesPerGas", wp, 0, 1e6),
      weight: number(wo, "weight", wp, 0, 1e9),
    };
  });
  return {
    share: number(o, "share", path, 0, 1),
    gasFraction: number(o, "gasFraction", path, 0, 1),
    workloads,
  };
}

function parseZkvm(name: string, value: unknown, path: string): ZkvmProfile {
  const o = object(value, path);
  const median = number(o, "medianCyclesPerGas", path, 1e-9, 1e6);
  const tail = number(o, "tailCyclesPerGas", path, median, 1e6);
  return {
    name,
    medianCyclesPerGas: median,
    tailCyclesPerGas: tail,
    workloadScale: number(o, "workloadScale", path, 0, 1e3),
  };
}

function parseProver(value: unknown, path: string, zkvms: Record<string, ZkvmProfile>): Prover {
  const o = object(value, path);
  return {
    name: string(o, "name", path),
    zkvm: zkvmNamed(o, "zkvm", path, zkvms),
    gpuType: string(o, "gpuType", path),
    gpus: number(o, "gpus", path, 1, 1e6),
    cyclesPerSecondPerGpu: number(o, "cyclesPerSecondPerGpu", path, 1e-9, 1e15),
    serialFraction: number(o, "serialFraction", path, 0, 1),
    witnessSeconds: number(o, "witnessSeconds", path, 0, 1e6),
    recursionSeconds: number(o, "recursionSeconds", path, 0, 1e6),
    wrapSeconds: number(o, "wrapSeconds", path, 0, 1e6),
    latencySigma: number(o, "latencySigma", path, 0, 10),
    failureProbability: number(o, "failureProbability", path, 0, 1),
    meanHoursBetweenOutages: number(o, "meanHoursBetweenOutages", path, 1e-9, 1e9),
    meanOutageHours: number(o, "meanOutageHours", path, 0, 1e9),
    gpuHourUsd: number(o, "gpuHourUsd", path, 0, 1e6),
    gpuPriceUsd: number(o, "gpuPriceUsd", path, 0, 1e9),
    hostPriceUsdPerGpu: number(o, "hostPriceUsdPerGpu", path, 0, 1e9),
  };
}

function parsePublished(value: unknown, path: string): PublishedFigures {
  const o = object(value, path);
  return {
    shareUnderSeconds: number(o, "shareUnderSeconds", path, 0, 1),
    seconds: number(o, "seconds", path, 0, 1e6),
    meanSeconds: number(o, "meanSeconds", path, 0, 1e6),
  };
}

function zkvmNamed(o: Json, key: string, path: string, zkvms: Record<string, ZkvmProfile>): ZkvmProfile {
  const name = string(o, key, path);
  const zkvm = zkvms[name];
  if (zkvm === undefined) throw new ModelConfigError(`${path}.${key}`, `no zkVM "${name}" in $.zkvms`);
  return zkvm;
}

/** A JSON field reader that throws ModelConfigError naming the path (shared with src/sim/config.ts). */
export function object(value: unknown, path: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ModelConfigError(path, "must be an object");
  }
  return value as Json;
}

/** A JSON field reader that throws ModelConfigError naming the path (shared with src/sim/config.ts). */
export function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new ModelConfigError(path, "must be an array");
  return value;
}

/** A JSON field reader that throws ModelConfigError naming the path (shared with src/sim/config.ts). */
export function string(o: Json, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== "string" || v === "")
    throw new ModelConfigError(`${path}.${key}`, "must be a non-empty string");
  return v;
}

/** A JSON field reader that throws ModelConfigError naming the path (shared with src/sim/config.ts). */
export function number(o: Json, key: string, path: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new ModelConfigError(`${path}.${key}`, "must be a number");
  if (v < min || v > max)
    throw new ModelConfigError(`${path}.${key}`, `must be in [${min}, ${max}], got ${v}`);
  return v;
}
