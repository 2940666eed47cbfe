/**
 * Compiles the Solidity sources in `contracts/` with the npm `solc` (offline) and caches the
 * artifacts in `contracts/out/` (generated, git-ignored). Compilation takes seconds, so every
 * artifact records a hash of the compiler version, settings and all sources; `loadArtifact`
 * recompiles only when that hash changed.
 *
 * Also the "data contracts" that keep `EXECUTE` input in state: runtime code `0x00 ‖ data`
 * (STOP first, so calling one does nothing), read back with `EXTCODECOPY` from offset 1.
 *
 * Run `npm run build:contracts` to compile and print what was built.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { sha256 } from "@noble/hashes/sha2.js";
import solc from "solc";
import { type Abi, bytesToHex, type Hex } from "viem";
import { NrxError } from "../util/errors.ts";

/** `contracts/` at the repository root. */
export const CONTRACTS_DIR = fileURLToPath(new URL("../../contracts/", import.meta.url));
/** Where artifacts are written: `contracts/out/`. */
export const ARTIFACTS_DIR = join(CONTRACTS_DIR, "out");
const MANIFEST_FILE = "manifest.json";

/**
 * Compiler settings. `osaka`: the devnet runs Osaka rules (solc may emit CLZ, EIP-7939, which
 * ethereumjs supports from Osaka on).
 */
export const SOLC_SETTINGS = {
  evmVersion: "osaka",
  optimizer: { enabled: true, runs: 200 },
} as const;

/** One compiled contract, as written to `contracts/out/<contractName>.json`. */
export type Artifact = {
  contractName: string;
  /** The file that defines it, relative to `contracts/` (e.g. `ExecuteCaller.sol`). */
  sourceName: string;
  abi: Abi;
  /** Creation code, `0x`-prefixed. */
  bytecode: Hex;
  /** Runtime code, `0x`-prefixed. */
  deployedBytecode: Hex;
  /** `sourceHash()` of the sources it was compiled from. */
  sourceHash: Hex;
};

/** Artifacts by contract name. */
export type Artifacts = Record<string, Artifact>;

/** What `ensureArtifacts` did. */
export type ArtifactsState = {
  artifacts: Artifacts;
  sourceHash: Hex;
  /** False when the cache in `contracts/out/` was current and nothing was compiled. */
  compiled: boolean;
};

type Manifest = { sourceHash: Hex; solcVersion: string; contracts: string[] };

/** The compiler reported errors (warnings are ignored); `errors` holds its formatted messages. */
export class SolidityCompileError extends NrxError {
  override name = "SolidityCompileError";
  constructor(readonly errors: string[]) {
    super(`solidity compilation failed with ${errors.length} error(s):\n${errors.join("\n")}`);
  }
}

/** No contract of that name among the compiled sources. */
export class ArtifactNotFoundError extends NrxError {
  override name = "ArtifactNotFoundError";
  constructor(
    readonly contractName: string,
    readonly available: string[],
  ) {
    super(`no contract named ${contractName}; compiled: ${available.join(", ") || "none"}`);
  }
}

/** Runtime code size limit (EIP-170; Osaka keeps it). */
export const MAX_RUNTIME_CODE_BYTES = 24576;
/** Data bytes per data contract: the limit less the leading STOP byte. */
export const MAX_DATA_CONTRACT_BYTES = MAX_RUNTIME_CODE_BYTES - 1;

/** Every `.sol` file under `contracts/` (except `out/`), by path relative to it, sorted. */
function readSources(): Map<string, string> {
  const names = (readdirSync(CONTRACTS_DIR, { recursive: true }) as string[])
    .map((name) => name.split(sep).join("/"))
    .filter((name) => name.endsWith(".sol") && !name.startsWith("out/"))
    .sort();
  return new Map(names.map((name) => [name, readFileSync(join(CONTRACTS_DIR, name), "utf8")]));
}

function hashSources(sources: Map<string, string>): Hex {
  const text = JSON.stringify({
    solc: solc.version() as string,
    settings: SOLC_SETTINGS,
    sources: [...sources],
  });
  return bytesToHex(sha256(new TextEncoder().encode(text)));
}

/**
 * The hash that keys the artifact cache: compiler version, settings and every source file.
 *
 * @example
 * sourceHash() === loadArtifact("ExecuteCaller").sourceHash; // true once compiled
 */
export function sourceHash(): Hex {
  return hashSources(readSources());
}

/** Resolves `import` paths inside `contracts/` only. */
function importCallback(path: string): { contents: string } | { error: string } {
  const full = resolve(CONTRACTS_DIR, path);
  if (relative(CONTRACTS_DIR, full).startsWith("..")) return { error: `import outside contracts/: ${path}` };
  try {
    return { contents: readFileSync(full, "utf8") };
  } catch (err) {
    return { error: `cannot read ${path}: ${(err as Error).message}` };
  }
}

type SolcOutput = {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
};

/**
 * Compiles Solidity sources given by file name, in memory and without the cache; `import`s
 * resolve under `contracts/`. Throws `SolidityCompileError` on compiler errors.
 *
 * @example
 * const { Probe } = compileSolidity({ "Probe.sol": 'import {Execute} from "./Execute.sol"; contract Probe {}' });
 */
export function compileSolidity(sources: Record<string, string>): Artifacts {
  return compileSources(sources, hashSources(new Map(Object.entries(sources))));
}

function compileSources(sources: Record<string, string>, hash: Hex): Artifacts {
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    settings: {
      ...SOLC_SETTINGS,
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: importCallback })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error").map((e) => e.formattedMessage);
  if (errors.length > 0) throw new SolidityCompileError(errors);
  const artifacts: Artifacts = {};
  for (const [sourceName, contracts] of Object.entries(output.contracts ?? {})) {
    for (const [contractName, contract] of Object.entries(contracts)) {
      const existing = artifacts[contractName];
      if (existing !== undefined) {
        throw new SolidityCompileError([
          `contract ${contractName} is defined in both ${existing.sourceName} and ${sourceName}`,
        ]);
      }
      artifacts[contractName] = {
        contractName,
        sourceName,
        abi: contract.abi,
        bytecode: `0x${contract.evm.bytecode.object}`,
        deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
        sourceHash: hash,
      };
    }
  }
  return artifacts;
}

/** Writes via a temporary file and rename, so a concurrent reader never sees half a file. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Artifacts first, manifest last: a current manifest implies current artifacts. */
function writeArtifacts(artifacts: Artifacts, hash: Hex): void {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  for (const artifact of Object.values(artifacts)) {
    writeAtomic(
      join(ARTIFACTS_DIR, `${artifact.contractName}.json`),
      `${JSON.stringify(artifact, null, 2)}\n`,
    );
  }
  const manifest: Manifest = {
    sourceHash: hash,
    solcVersion: solc.version() as string,
    contracts: Object.keys(artifacts).sort(),
  };
  writeAtomic(join(ARTIFACTS_DIR, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** The cached artifact when it was compiled from sources with hash `hash`. */
function readCached(name: string, hash: Hex): Artifact | undefined {
  const artifact = readJson<Artifact>(join(ARTIFACTS_DIR, `${name}.json`));
  return artifact?.sourceHash === hash ? artifact : undefined;
}

/** Compiles the top-level `contracts/*.sol` (imports resolve anywhere under `contracts/`). */
function compileAndWrite(sources: Map<string, string>, hash: Hex): Artifacts {
  const topLevel = [...sources].filter(([name]) => !name.includes("/"));
  const artifacts = compileSources(Object.fromEntries(topLevel), hash);
  writeArtifacts(artifacts, hash);
  return artifacts;
}

/**
 * Compiles every contract and writes `contracts/out/`, whatever the cache holds. Throws
 * `SolidityCompileError` on compiler errors. (Asynchronous for callers' convenience; the
 * compiler itself runs synchronously, for a few seconds.)
 *
 * @example
 * const artifacts = await compileContracts();
 * artifacts.ExecuteCaller.bytecode; // "0x6080..."
 */
export async function compileContracts(): Promise<Artifacts> {
  const sources = readSources();
  return compileAndWrite(sources, hashSources(sources));
}

/**
 * All artifacts, compiling only when the sources (or compiler, or settings) changed since the
 * cache in `contracts/out/` was written.
 *
 * @example
 * const { artifacts, compiled } = ensureArtifacts(); // compiled: false on a current cache
 */
export function ensureArtifacts(): ArtifactsState {
  const sources = readSources();
  const hash = hashSources(sources);
  const manifest = readJson<Manifest>(join(ARTIFACTS_DIR, MANIFEST_FILE));
  if (manifest?.sourceHash === hash) {
    const artifacts: Artifacts = {};
    for (const name of manifest.contracts) {
      const artifact = readCached(name, hash);
      if (artifact === undefined) break;
      artifacts[name] = artifact;
    }
    if (Object.keys(artifacts).length === manifest.contracts.length) {
      return { artifacts, sourceHash: hash, compiled: false };
    }
  }
  return { artifacts: compileAndWrite(sources, hash), sourceHash: hash, compiled: true };
}

/**
 * One contract's artifact, from the cache when current, else after compiling everything.
 * Synchronous, so it can be used at module load. Throws `ArtifactNotFoundError` for an unknown
 * name and `SolidityCompileError` on compiler errors.
 *
 * @example
 * const { abi, bytecode } = loadArtifact("ExecuteCaller");
 * const hash = await wallet.deployContract({ abi, bytecode });
 */
export function loadArtifact(name: string): Artifact {
  const sources = readSources();
  const hash = hashSources(sources);
  const manifest = readJson<Manifest>(join(ARTIFACTS_DIR, MANIFEST_FILE));
  if (manifest?.sourceHash === hash && !manifest.contracts.includes(name)) {
    throw new ArtifactNotFoundError(name, manifest.contracts);
  }
  const cached = readCached(name, hash);
  if (cached !== undefined) return cached;
  const artifacts = compileAndWrite(sources, hash);
  const artifact = artifacts[name];
  if (artifact === undefined) throw new ArtifactNotFoundError(name, Object.keys(artifacts).sort());
  return artifact;
}

/**
 * Creation code that deploys runtime code `0x00 ‖ data`:
 * `PUSH2 size DUP1 PUSH1 12 PUSH1 0 CODECOPY PUSH1 0 RETURN`, then the runtime. The leading STOP
 * makes a call to the contract a no-op; readers copy the code from offset 1.
 *
 * @example
 * const hash = await wallet.sendTransaction({ data: bytesToHex(dataContractInitCode(chunk)) });
 */
export function dataContractInitCode(data: Uint8Array): Uint8Array {
  if (data.length > MAX_DATA_CONTRACT_BYTES) {
    throw new RangeError(
      `a data contract holds at most ${MAX_DATA_CONTRACT_BYTES} bytes, got ${data.length}`,
    );
  }
  const runtimeSize = data.length + 1;
  // biome-ignore format: one opcode per line
  const prefix = Uint8Array.of(
    0x61, runtimeSize >> 8, runtimeSize & 0xff, // PUSH2 runtimeSize
    0x80, // DUP1
    0x60, 12, // PUSH1 12: where the runtime starts in this code
    0x60, 0x00, // PUSH1 0
    0x39, // CODECOPY(0, 12, runtimeSize)
    0x60, 0x00, // PUSH1 0
    0xf3, // RETURN(0, runtimeSize)
  );
  const code = new Uint8Array(prefix.length + runtimeSize);
  code.set(prefix, 0);
  code[prefix.length] = 0x00; // STOP
  code.set(data, prefix.length + 1);
  return code;
}

/**
 * Splits data into chunks of at most `MAX_DATA_CONTRACT_BYTES`, one per data contract, in
 * order (no chunks for empty data).
 *
 * @example
 * const addresses = await deployAll(chunkForDataContracts(input).map(dataContractInitCode));
 * await caller.write.executeFromCode([addresses], { value: prepayment });
 */
export function chunkForDataContracts(data: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += MAX_DATA_CONTRACT_BYTES) {
    chunks.push(data.subarray(at, at + MAX_DATA_CONTRACT_BYTES));
  }
  return chunks;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const artifacts = await compileContracts();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  for (const artifact of Object.values(artifacts)) {
    const runtimeBytes = (artifact.deployedBytecode.length - 2) / 2;
    console.log(`${artifact.sourceName}:${artifact.contractName}  runtime ${runtimeBytes} bytes`);
  }
  console.log(
    `compiled ${Object.keys(artifacts).length} contracts with solc ${solc.version()} (evm ${SOLC_SETTINGS.evmVersion}) in ${seconds} s -> ${relative(process.cwd(), ARTIFACTS_DIR) || "."}`,
  );
}
