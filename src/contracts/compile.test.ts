import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { Common, Mainnet } from "@ethereumjs/common";
import { createEVM, type EVM, EVMError, type ExecResult, type PrecompileInput } from "@ethereumjs/evm";
import { Account, type Address, createAddressFromString, equalsBytes } from "@ethereumjs/util";
import {
  type Abi,
  bytesToHex,
  decodeErrorResult,
  decodeEventLog,
  decodeFunctionResult,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  hexToBytes,
} from "viem";
import { EXECUTE_QUERY, encodeBlobReference, isExecuteQuery } from "../execute/blob-input.ts";
import { EXECUTE_ADDRESS, type ExecuteResult, encodeExecuteResult } from "../execute/result.ts";
import { Rng } from "../util/prng.ts";
import {
  ARTIFACTS_DIR,
  type Artifact,
  ArtifactNotFoundError,
  chunkForDataContracts,
  compileSolidity,
  dataContractInitCode,
  ensureArtifacts,
  loadArtifact,
  MAX_DATA_CONTRACT_BYTES,
  SolidityCompileError,
  sourceHash,
} from "./compile.ts";

const functionNames = (abi: Abi) => abi.filter((item) => item.type === "function").map((item) => item.name);

describe("compiling contracts/", () => {
  it("compiles ExecuteCaller with the whole interface", () => {
    const { artifacts } = ensureArtifacts();
    const caller = artifacts.ExecuteCaller;
    assert.ok(caller.bytecode.length > 2 && caller.deployedBytecode.length > 2);
    assert.equal(caller.sourceName, "ExecuteCaller.sol");
    for (const name of [
      "executeCalldata",
      "executeFromCode",
      "executeFromBlob",
      "executeBlobReference",
      "executeAndRevert",
      "verify",
      "market",
      "lastResult",
      "readDataContracts",
    ]) {
      assert.ok(functionNames(caller.abi).includes(name), `ExecuteCaller.${name}`);
    }
    assert.ok(caller.abi.some((item) => item.type === "event" && item.name === "Executed"));
    assert.ok(artifacts.Execute !== undefined, "the Execute library compiles on its own");
  });

  it("serves the second load from the cache, keyed by the source hash", () => {
    ensureArtifacts();
    const again = ensureArtifacts();
    assert.equal(again.compiled, false);
    assert.equal(again.sourceHash, sourceHash());
    const manifest = JSON.parse(readFileSync(join(ARTIFACTS_DIR, "manifest.json"), "utf8"));
    assert.equal(manifest.sourceHash, again.sourceHash);
    const artifact = loadArtifact("ExecuteCaller");
    assert.equal(artifact.sourceHash, again.sourceHash);
    assert.deepEqual(artifact, again.artifacts.ExecuteCaller);
    assert.equal(ensureArtifacts().compiled, false, "loadArtifact did not recompile");
  });

  it("names a missing contract", () => {
    assert.throws(
      () => loadArtifact("NoSuchContract"),
      (err: unknown) => err instanceof ArtifactNotFoundError && err.available.includes("ExecuteCaller"),
    );
  });

  it("resolves imports from contracts/ and refuses paths outside it", () => {
    const probe = `pragma solidity ^0.8.28; import {Execute} from "./Execute.sol";
      contract Probe { function q() external view returns (uint256 fee) { (fee,,,) = Execute.market(); } }`;
    const artifacts = compileSolidity({ "Probe.sol": probe });
    assert.ok(functionNames(artifacts.Probe.abi).includes("q"));
    assert.throws(
      () => compileSolidity({ "Escape.sol": 'pragma solidity ^0.8.28; import "/etc/hostname";' }),
      (err: unknown) => err instanceof SolidityCompileError && /outside contracts/.test(err.message),
    );
  });

  it("reports compiler errors, not warnings", () => {
    assert.throws(
      () => compileSolidity({ "Broken.sol": "pragma solidity ^0.8.28; contract Broken { function f( }" }),
      (err: unknown) => err instanceof SolidityCompileError && /ParserError/.test(err.errors[0]),
    );
    // No SPDX line: a warning only.
    const artifacts = compileSolidity({ "Fine.sol": "pragma solidity ^0.8.28; contract Fine {}" });
    assert.deepEqual(Object.keys(artifacts), ["Fine"]);
  });
});

const common = new Common({ chain: Mainnet, hardfork: "osaka" });

describe("data contracts", () => {
  it("init code returns 0x00 ‖ data", async () => {
    const evm = await createEVM({ common });
    for (const size of [0, 1, 300, MAX_DATA_CONTRACT_BYTES]) {
      const data = new Rng(size).bytes(size);
      const result = await evm.runCode({ code: dataContractInitCode(data), gasLimit: 1_000_000n });
      assert.equal(result.exceptionError, undefined);
      assert.deepEqual(result.returnValue, Uint8Array.of(0, ...data), `size ${size}`);
    }
  });

  it("deploys the largest chunk within the code size limit", async () => {
    const evm = await createEVM({ common });
    const data = new Rng(1).bytes(MAX_DATA_CONTRACT_BYTES);
    const result = await evm.runCall({ data: dataContractInitCode(data), gasLimit: 30_000_000n });
    assert.equal(result.execResult.exceptionError, undefined);
    const code = await evm.stateManager.getCode(result.createdAddress!);
    assert.deepEqual(code, Uint8Array.of(0, ...data));
    assert.throws(() => dataContractInitCode(new Uint8Array(MAX_DATA_CONTRACT_BYTES + 1)), RangeError);
  });

  it("chunks data in order", () => {
    const data = new Rng(2).bytes(2 * MAX_DATA_CONTRACT_BYTES + 5);
    const chunks = chunkForDataContracts(data);
    assert.deepEqual(
      chunks.map((c) => c.length),
      [MAX_DATA_CONTRACT_BYTES, MAX_DATA_CONTRACT_BYTES, 5],
    );
    assert.deepEqual(Uint8Array.of(...chunks.flatMap((c) => [...c])), data);
    assert.deepEqual(chunkForDataContracts(new Uint8Array(0)), []);
  });
});

/** Inputs the mock EXECUTE fails on. */
const FAILING_INPUT = Uint8Array.of(0xde, 0xad);

const sampleResult: ExecuteResult = {
  valid: true,
  newPayloadRequestRoot: new Uint8Array(32).fill(0x11),
  chainId: 0x1234n,
  preStateRoot: new Uint8Array(32).fill(0x22),
  postStateRoot: new Uint8Array(32).fill(0x33),
  blockNumber: 7n,
  blockHash: new Uint8Array(32).fill(0x44),
  parentHash: new Uint8Array(32).fill(0x55),
  gasUsed: 21_000n,
  burnedFees: 21_000n * 7n,
  anchor: new Uint8Array(32).fill(0x66),
  transactionsCommitment: new Uint8Array(32).fill(0x77),
};

const market = [10n ** 9n, 5n, 100_000_000n, 50_000_000n] as const;

/**
 * ExecuteCaller on an Osaka EVM whose 0x0101 is a stand-in for EXECUTE: it records its inputs,
 * answers the query with `market`, fails on FAILING_INPUT and returns `sampleResult` otherwise.
 */
async function setup(): Promise<{
  evm: EVM;
  inputs: Uint8Array[];
  call: (
    fn: string,
    args: unknown[],
    opts?: { value?: bigint; blobVersionedHashes?: Hex[] },
  ) => Promise<ExecResult>;
  deploy: (code: Uint8Array) => Promise<Address>;
  caller: Artifact;
}> {
  const inputs: Uint8Array[] = [];
  const mockExecute = (opts: PrecompileInput): ExecResult => {
    inputs.push(opts.data.slice()); // opts.data may be a view of the caller's memory
    if (equalsBytes(opts.data, FAILING_INPUT)) {
      return {
        returnValue: new Uint8Array(0),
        executionGasUsed: opts.gasLimit,
        exceptionError: new EVMError(EVMError.errorMessages.INVALID_INPUTS),
      };
    }
    const returnValue = isExecuteQuery(opts.data)
      ? hexToBytes(
          encodeAbiParameters(
            [{ type: "uint256" }, { type: "uint64" }, { type: "uint64" }, { type: "uint64" }],
            market,
          ),
        )
      : encodeExecuteResult(sampleResult);
    return { returnValue, executionGasUsed: 1000n };
  };
  const evm = await createEVM({
    common,
    customPrecompiles: [{ address: createAddressFromString(EXECUTE_ADDRESS), function: mockExecute }],
  });
  const sender = createAddressFromString("0x00000000000000000000000000000000000a11ce");
  await evm.stateManager.putAccount(sender, new Account(0n, 10n ** 24n));
  const deploy = async (code: Uint8Array): Promise<Address> => {
    const result = await evm.runCall({ caller: sender, data: code, gasLimit: 30_000_000n });
    assert.equal(result.execResult.exceptionError, undefined);
    return result.createdAddress!;
  };
  const caller = loadArtifact("ExecuteCaller");
  const callerAddress = await deploy(hexToBytes(caller.bytecode));
  const call = async (
    fn: string,
    args: unknown[],
    opts: { value?: bigint; blobVersionedHashes?: Hex[] } = {},
  ) => {
    const data = encodeFunctionData({ abi: caller.abi, functionName: fn, args });
    const result = await evm.runCall({
      caller: sender,
      to: callerAddress,
      data: hexToBytes(data),
      gasLimit: 30_000_000n,
      value: opts.value ?? 0n,
      ...(opts.blobVersionedHashes !== undefined ? { blobVersionedHashes: opts.blobVersionedHashes } : {}),
    });
    return result.execResult;
  };
  return { evm, inputs, call, deploy, caller };
}

describe("ExecuteCaller against a stand-in EXECUTE", () => {
  let env: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    env = await setup();
  });

  const decode = (fn: string, result: ExecResult) => {
    assert.equal(result.exceptionError, undefined, `${fn} failed`);
    return decodeFunctionResult({
      abi: env.caller.abi,
      functionName: fn,
      data: bytesToHex(result.returnValue),
    });
  };
  const revertName = (result: ExecResult) => {
    assert.equal(result.exceptionError?.error, "revert");
    return decodeErrorResult({ abi: env.caller.abi, data: bytesToHex(result.returnValue) }).errorName;
  };
  const expectedResult = {
    ...sampleResult,
    newPayloadRequestRoot: bytesToHex(sampleResult.newPayloadRequestRoot),
    preStateRoot: bytesToHex(sampleResult.preStateRoot),
    postStateRoot: bytesToHex(sampleResult.postStateRoot),
    blockHash: bytesToHex(sampleResult.blockHash),
    parentHash: bytesToHex(sampleResult.parentHash),
    anchor: bytesToHex(sampleResult.anchor),
    transactionsCommitment: bytesToHex(sampleResult.transactionsCommitment),
  };

  it("executes inline input, keeps the result and emits Executed", async () => {
    const input = Uint8Array.of(0x15, 0x01, 1, 2, 3);
    const result = await env.call("executeCalldata", [bytesToHex(input)], { value: 123n });
    assert.deepEqual(decode("executeCalldata", result), expectedResult);
    assert.deepEqual(env.inputs.at(-1), input);
    const [log] = result.logs!;
    const event = decodeEventLog({
      abi: env.caller.abi,
      data: bytesToHex(log[2]),
      topics: log[1].map((t) => bytesToHex(t)) as [Hex],
    });
    assert.deepEqual(event.args, {
      valid: true,
      blockNumber: 7n,
      postStateRoot: expectedResult.postStateRoot,
      gasUsed: 21_000n,
      prepayment: 123n,
    });
    assert.deepEqual(decode("lastResult", await env.call("lastResult", [])), expectedResult);
  });

  it("executes input read from data contracts", async () => {
    const input = new Rng(9).bytes(MAX_DATA_CONTRACT_BYTES + 1000);
    const addresses: Hex[] = [];
    for (const chunk of chunkForDataContracts(input)) {
      addresses.push((await env.deploy(dataContractInitCode(chunk))).toString() as Hex);
    }
    assert.equal(addresses.length, 2);
    decode("executeFromCode", await env.call("executeFromCode", [addresses]));
    assert.deepEqual(env.inputs.at(-1), input);
  });

  it("refuses a chunk that is not a data contract", async () => {
    const notData = (await env.deploy(hexToBytes(env.caller.bytecode))).toString();
    assert.equal(revertName(await env.call("executeFromCode", [[notData]])), "NotDataContract");
    const empty = "0x000000000000000000000000000000000000beef";
    assert.equal(revertName(await env.call("executeFromCode", [[empty]])), "NotDataContract");
  });

  it("builds the same blob reference as encodeBlobReference", async () => {
    const versionedHash = `0x01${"ab".repeat(31)}` as Hex;
    const result = await env.call("executeFromBlob", [100, 2000], { blobVersionedHashes: [versionedHash] });
    decode("executeFromBlob", result);
    const expected = encodeBlobReference([
      { versionedHash: hexToBytes(versionedHash), offset: 100, length: 2000 },
    ]);
    assert.deepEqual(env.inputs.at(-1), expected);
    assert.equal(revertName(await env.call("executeFromBlob", [0, 1])), "NoBlob");
  });

  it("passes a blob reference through", async () => {
    const reference = encodeBlobReference([
      { versionedHash: new Uint8Array(32).fill(1), offset: 0, length: 10 },
      { versionedHash: new Uint8Array(32).fill(2), offset: 5, length: 10 },
    ]);
    decode("executeBlobReference", await env.call("executeBlobReference", [bytesToHex(reference)]));
    assert.deepEqual(env.inputs.at(-1), reference);
  });

  it("reads the market with the 0xff00 query", async () => {
    assert.deepEqual(decode("market", await env.call("market", [])), market);
    assert.deepEqual(env.inputs.at(-1), EXECUTE_QUERY);
  });

  it("reverts with ExecuteFailed when EXECUTE fails", async () => {
    assert.equal(revertName(await env.call("executeCalldata", [bytesToHex(FAILING_INPUT)])), "ExecuteFailed");
  });

  it("reverts after executing in executeAndRevert", async () => {
    const before = env.inputs.length;
    const result = await env.call("executeAndRevert", ["0x1501"], { value: 5n });
    assert.equal(revertName(result), "ExecutedThenReverted");
    assert.equal(env.inputs.length, before + 1);
  });

  it("implements the seed's boolean interface", async () => {
    const pre = expectedResult.preStateRoot;
    const post = expectedResult.postStateRoot;
    assert.equal(decode("verify", await env.call("verify", [pre, post, "0x1501", 21_000n])), true);
    assert.equal(decode("verify", await env.call("verify", [pre, post, "0x1501", 21_001n])), false);
    assert.equal(decode("verify", await env.call("verify", [post, post, "0x1501", 21_000n])), false);
  });
});
