/**
 * The Solidity side of `EXECUTE` on the node: `ExecuteCaller` (compiled with solc) feeding the
 * precompile an L2 block from calldata, from data contracts, and from a blob of its own
 * transaction, with prepayments paid, refunded, burned, or charged to the sender.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Block } from "@ethereumjs/block";
import { createBlob4844Tx, createFeeMarket1559Tx } from "@ethereumjs/tx";
import { type Address, bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { type Abi, decodeEventLog, decodeFunctionResult, encodeFunctionData, type Hex } from "viem";
import { chunkForDataContracts, dataContractInitCode, loadArtifact } from "../contracts/compile.ts";
import { blobReferenceFor, EXECUTE_QUERY, encodeBlobReference, packBlobs } from "../execute/blob-input.ts";
import { nextExecuteBaseFee } from "../execute/market.ts";
import { computeExecuteResult, EXECUTE_ADDRESS, type ExecuteResult } from "../execute/result.ts";
import { DevChain } from "../node/dev.ts";
import type { StoredReceipt } from "../node/receipts.ts";
import { decodeStatelessInput } from "../stateless/ssz.ts";
import { verifyStatelessNewPayload } from "../stateless/verify.ts";
import {
  balanceOf,
  devTransaction,
  type L2Block,
  memoryNode,
  nextNonce,
  reverifyBlock,
  validL2Block,
  withWrongStateRoot,
} from "../testing/l1.ts";
import type { L1Node } from "./node.ts";
import { executeHeaderFields, L1_FORK, l1BlockRules } from "./rules.ts";

const artifact = loadArtifact("ExecuteCaller");
const abi: Abi = artifact.abi;
const GAS = 5_000_000n;
const MAX_FEE = 100_000_000_000n;
const TIP = 1_000_000_000n;

/** The fields of `Execute.Result` as viem decodes the struct. */
type SolidityResult = {
  valid: boolean;
  newPayloadRequestRoot: Hex;
  chainId: bigint;
  preStateRoot: Hex;
  postStateRoot: Hex;
  blockNumber: bigint;
  blockHash: Hex;
  parentHash: Hex;
  gasUsed: bigint;
  burnedFees: bigint;
  anchor: Hex;
  transactionsCommitment: Hex;
};

function asSolidity(result: ExecuteResult): SolidityResult {
  return {
    valid: result.valid,
    newPayloadRequestRoot: bytesToHex(result.newPayloadRequestRoot),
    chainId: result.chainId,
    preStateRoot: bytesToHex(result.preStateRoot),
    postStateRoot: bytesToHex(result.postStateRoot),
    blockNumber: result.blockNumber,
    blockHash: bytesToHex(result.blockHash),
    parentHash: bytesToHex(result.parentHash),
    gasUsed: result.gasUsed,
    burnedFees: result.burnedFees,
    anchor: bytesToHex(result.anchor),
    transactionsCommitment: bytesToHex(result.transactionsCommitment),
  };
}

function calldata(functionName: string, args: readonly unknown[] = []): Uint8Array {
  return hexToBytes(encodeFunctionData({ abi, functionName, args }));
}

/** Sends a call from dev account `index` (next nonce); returns the transaction hash. */
async function send(node: L1Node, index: number, to: Address, data: Uint8Array, value = 0n): Promise<Hex> {
  const tx = devTransaction(node, index, {
    to,
    data,
    value,
    nonce: await nextNonce(node, index),
    gasLimit: GAS,
  });
  return node.sendRawTransaction(tx.serialize());
}

/** Sends a contract creation from dev account `index`; returns the transaction hash. */
async function sendCreate(node: L1Node, index: number, initCode: Uint8Array): Promise<Hex> {
  const tx = createFeeMarket1559Tx(
    {
      chainId: node.config.chainId,
      nonce: await nextNonce(node, index),
      data: initCode,
      gasLimit: GAS,
      maxFeePerGas: MAX_FEE,
      maxPriorityFeePerGas: TIP,
    },
    { common: node.common },
  ).sign(hexToBytes(node.devAccounts[index].privateKey));
  return node.sendRawTransaction(tx.serialize());
}

function receiptOf(node: L1Node, hash: string): StoredReceipt {
  const mined = node.minedTransaction(hash);
  assert.ok(mined, `transaction ${hash} was mined`);
  return mined.entry.receipts[mined.index];
}

/** Deploys each init code from dev account `index` in one block; returns the created addresses. */
async function deployAll(node: L1Node, index: number, initCodes: Uint8Array[]): Promise<Address[]> {
  const hashes: Hex[] = [];
  for (const code of initCodes) hashes.push(await sendCreate(node, index, code));
  await node.mine();
  return hashes.map((hash) => {
    const receipt = receiptOf(node, hash);
    assert.equal(receipt.status, 1, "deployment succeeded");
    assert.ok(receipt.contractAddress);
    return createAddressFromString(receipt.contractAddress);
  });
}

async function deployCaller(node: L1Node, index = 0): Promise<Address> {
  const [address] = await deployAll(node, index, [hexToBytes(artifact.bytecode)]);
  return address;
}

/** A view of `ExecuteCaller` at the head, through `eth_call`. */
async function view(node: L1Node, contract: Address, functionName: string, args: readonly unknown[] = []) {
  const { execResult } = await node.call({ to: contract, data: calldata(functionName, args) });
  assert.equal(execResult.exceptionError, undefined, `${functionName}() succeeds`);
  return decodeFunctionResult({ abi, functionName, data: bytesToHex(execResult.returnValue) });
}

/** `market()` at the head: the execute market of the block that comes next. */
async function market(node: L1Node, contract: Address) {
  const [baseFee, gasUsed, gasLimit, gasTarget] = (await view(node, contract, "market")) as readonly [
    bigint,
    bigint,
    bigint,
    bigint,
  ];
  return { baseFee, gasUsed, gasLimit, gasTarget };
}

function events(receipt: StoredReceipt, eventName: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const log of receipt.logs) {
    try {
      const event = decodeEventLog({ abi, data: log.data, topics: log.topics as [Hex, ...Hex[]] });
      if (event.eventName === eventName) out.push(event.args as unknown as Record<string, unknown>);
    } catch {
      // not an ExecuteCaller event
    }
  }
  return out;
}

function gasCost(receipt: StoredReceipt): bigint {
  return BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice);
}

async function reverify(node: L1Node, block: Block): Promise<void> {
  const verification = await reverifyBlock(node, block);
  assert.equal(verification.successfulValidation, true, verification.message);
  assert.equal(bytesToHex(verification.verified!.blockHash), bytesToHex(block.hash()));
}

describe("ExecuteCaller on the L1 node", () => {
  let l2: L2Block;
  /** What EXECUTE returns for `l2`, computed off-chain. */
  let expected: SolidityResult;
  let postStateRoot: Hex;

  before(async () => {
    l2 = await validL2Block();
    const outcome = await computeExecuteResult(l2.bytes);
    assert.equal(outcome.halted, false);
    expected = asSolidity(outcome.result);
    postStateRoot = bytesToHex(decodeStatelessInput(l2.bytes).newPayloadRequest.executionPayload.stateRoot);
    assert.equal(expected.valid, true);
  });

  it("mines contract-creation transactions: ExecuteCaller and a data contract get their runtime code", async () => {
    const { node } = await memoryNode();
    const data = l2.bytes.subarray(0, 100);
    const [caller, chunk] = await deployAll(node, 0, [
      hexToBytes(artifact.bytecode),
      dataContractInitCode(data),
    ]);
    const state = node.stateAt();
    assert.equal(bytesToHex(await state.getCode(caller)), artifact.deployedBytecode);
    assert.equal(bytesToHex(await state.getCode(chunk)), `0x00${bytesToHex(data).slice(2)}`);
    assert.deepEqual(node.chain[1].executeCalls, []);
  });

  it("executeCalldata verifies an L2 block, refunds the excess prepayment to the contract and stores the result", async () => {
    const { node } = await memoryNode();
    const caller = await deployCaller(node);
    const head = node.head.header;
    const quoted = await market(node, caller);
    assert.deepEqual(quoted, {
      baseFee: nextExecuteBaseFee(executeHeaderFields(head), node.config.execute),
      gasUsed: 0n,
      gasLimit: node.config.execute.cumulativeGasLimit,
      gasTarget: node.config.execute.cumulativeGasTarget,
    });
    const fee = l2.gasUsed * quoted.baseFee;
    const excess = 12_345n;
    const sender = node.devAccounts[1].address;
    const senderBefore = await balanceOf(node, sender);

    const hash = await send(
      node,
      1,
      caller,
      calldata("executeCalldata", [bytesToHex(l2.bytes)]),
      fee + excess,
    );
    const [block] = await node.mine();

    const receipt = receiptOf(node, hash);
    assert.equal(receipt.status, 1);
    assert.deepEqual(events(receipt, "Executed"), [
      {
        valid: true,
        blockNumber: l2.blockNumber,
        postStateRoot,
        gasUsed: l2.gasUsed,
        prepayment: fee + excess,
      },
    ]);
    const last = (await view(node, caller, "lastResult")) as SolidityResult;
    assert.deepEqual(last, expected);
    assert.equal(last.blockNumber, l2.blockNumber);
    assert.equal(last.postStateRoot, postStateRoot);

    assert.deepEqual(executeHeaderFields(block.header), {
      executeGasUsed: l2.gasUsed,
      executeBaseFee: quoted.baseFee,
    });
    const [call] = node.chain[Number(block.header.number)].executeCalls;
    assert.equal(call.caller, caller.toString(), "the contract is EXECUTE's caller");
    assert.deepEqual(
      [call.outcome, call.source, call.executeGas, call.fee, call.inputBytes],
      ["valid", "inline", l2.gasUsed.toString(), fee.toString(), l2.bytes.length],
    );
    assert.equal(await balanceOf(node, caller), excess, "the excess stays in the contract");
    assert.equal(await balanceOf(node, EXECUTE_ADDRESS), 0n, "the fee is burned");
    assert.equal(senderBefore - (await balanceOf(node, sender)), gasCost(receipt) + fee + excess);
  });

  it("executeFromCode reads the input from one data contract or from two in order", async () => {
    const { node } = await memoryNode();
    const chunks = chunkForDataContracts(l2.bytes);
    assert.equal(chunks.length, 1, "a ~6 KB input fits one data contract");
    const half = Math.floor(l2.bytes.length / 2);
    const halves = [l2.bytes.subarray(0, half), l2.bytes.subarray(half)];
    const [caller, whole, first, second] = await deployAll(node, 0, [
      hexToBytes(artifact.bytecode),
      ...[...chunks, ...halves].map(dataContractInitCode),
    ]);
    for (const chunks of [[whole], [first, second]]) {
      const read = await view(node, caller, "readDataContracts", [chunks.map((a) => a.toString())]);
      assert.equal(read, bytesToHex(l2.bytes));
    }

    const { baseFee } = await market(node, caller);
    const fee = l2.gasUsed * baseFee;
    const one = await send(node, 2, caller, calldata("executeFromCode", [[whole.toString()]]), fee);
    const two = await send(
      node,
      3,
      caller,
      calldata("executeFromCode", [[first.toString(), second.toString()]]),
      fee,
    );
    const [block] = await node.mine();
    assert.equal(block.transactions.length, 2);
    for (const hash of [one, two]) {
      const receipt = receiptOf(node, hash);
      assert.equal(receipt.status, 1);
      assert.deepEqual(
        events(receipt, "Executed").map((e) => [e.valid, e.blockNumber, e.postStateRoot]),
        [[true, l2.blockNumber, postStateRoot]],
      );
    }
    assert.deepEqual((await view(node, caller, "lastResult")) as SolidityResult, expected);
    assert.deepEqual(
      node.chain[Number(block.header.number)].executeCalls.map((c) => [c.outcome, c.inputBytes]),
      [
        ["valid", l2.bytes.length],
        ["valid", l2.bytes.length],
      ],
    );
    assert.equal(executeHeaderFields(block.header).executeGasUsed, 2n * l2.gasUsed);
    assert.equal(await balanceOf(node, caller), 0n, "an exact prepayment leaves nothing behind");
    await reverify(node, block);
  });

  it("executeCalldata on a wrong transition emits valid = false and burns the prepayment", async () => {
    const { node } = await memoryNode();
    const caller = await deployCaller(node);
    const wrong = await withWrongStateRoot(l2);
    const { baseFee } = await market(node, caller);
    const fee = l2.gasUsed * baseFee;
    const sender = node.devAccounts[4].address;
    const senderBefore = await balanceOf(node, sender);

    const hash = await send(node, 4, caller, calldata("executeCalldata", [bytesToHex(wrong)]), fee);
    const [block] = await node.mine();

    const receipt = receiptOf(node, hash);
    assert.equal(receipt.status, 1, "a wrong transition is a result, not a failure");
    assert.deepEqual(
      events(receipt, "Executed").map((e) => [e.valid, e.blockNumber, e.gasUsed, e.prepayment]),
      [[false, l2.blockNumber, l2.gasUsed, fee]],
    );
    const last = (await view(node, caller, "lastResult")) as SolidityResult;
    assert.equal(last.valid, false);
    assert.equal(last.postStateRoot, bytesToHex(new Uint8Array(32)), "an invalid result states no post root");
    const [call] = node.chain[Number(block.header.number)].executeCalls;
    assert.deepEqual(
      [call.outcome, call.reason, call.fee],
      ["invalid", "invalid_state_root", fee.toString()],
    );
    assert.equal(executeHeaderFields(block.header).executeGasUsed, l2.gasUsed, "still metered");
    assert.equal(await balanceOf(node, caller), 0n, "the contract does not get the prepayment back");
    assert.equal(await balanceOf(node, EXECUTE_ADDRESS), 0n);
    assert.equal(senderBefore - (await balanceOf(node, sender)), gasCost(receipt) + fee);
  });

  it("executeAndRevert: the frame's revert returns the prepayment, so the sender is charged the fee", async () => {
    const { node } = await memoryNode();
    const caller = await deployCaller(node);
    const { baseFee } = await market(node, caller);
    const fee = l2.gasUsed * baseFee;
    const excess = 777n;
    const sender = node.devAccounts[5].address;
    const senderBefore = await balanceOf(node, sender);

    const hash = await send(
      node,
      5,
      caller,
      calldata("executeAndRevert", [bytesToHex(l2.bytes)]),
      fee + excess,
    );
    const [block] = await node.mine();

    const receipt = receiptOf(node, hash);
    assert.equal(receipt.status, 0, "ExecutedThenReverted reverts the transaction");
    assert.deepEqual(receipt.logs, []);
    const [call] = node.chain[Number(block.header.number)].executeCalls;
    assert.deepEqual([call.outcome, call.fee], ["valid", fee.toString()]);
    assert.deepEqual(executeHeaderFields(block.header), {
      executeGasUsed: l2.gasUsed,
      executeBaseFee: baseFee,
    });
    assert.equal(await balanceOf(node, EXECUTE_ADDRESS), 0n);
    assert.equal(await balanceOf(node, caller), 0n, "the revert undid the refund of the excess too");
    assert.equal(
      senderBefore - (await balanceOf(node, sender)),
      gasCost(receipt) + fee,
      "gas plus the fee: the value came back, the execute gas was not free",
    );
    const last = (await view(node, caller, "lastResult")) as SolidityResult;
    assert.equal(last.valid, false, "nothing was stored");
    await reverify(node, block);
  });

  it("executeAndRevert still charges the sender when ETH sits at 0x0101, and a market query keeps no value", async () => {
    const { node } = await memoryNode();
    const caller = await deployCaller(node);
    const queryHash = await node.sendRawTransaction(
      devTransaction(node, 0, {
        data: EXECUTE_QUERY,
        value: 10n ** 18n,
        nonce: await nextNonce(node, 0),
        gasLimit: 100_000n,
      }).serialize(),
    );
    await node.mine();
    assert.equal(receiptOf(node, queryHash).status, 0, "a query sent with value halts");
    assert.equal(await balanceOf(node, EXECUTE_ADDRESS), 0n);
    // ETH can still reach 0x0101 (a dev method here; SELFDESTRUCT or coinbase on a real chain).
    await new DevChain(node).setBalance(createAddressFromString(EXECUTE_ADDRESS), 10n ** 18n);

    const { baseFee } = await market(node, caller);
    const fee = l2.gasUsed * baseFee;
    const sender = node.devAccounts[5].address;
    const senderBefore = await balanceOf(node, sender);
    const hash = await send(node, 5, caller, calldata("executeAndRevert", [bytesToHex(l2.bytes)]), fee);
    await node.mine();
    const receipt = receiptOf(node, hash);
    assert.equal(
      senderBefore - (await balanceOf(node, sender)),
      gasCost(receipt) + fee,
      "the sender pays for its execute gas, not the ETH someone left at 0x0101",
    );
    assert.equal(await balanceOf(node, EXECUTE_ADDRESS), 0n, "what sat there is burned with the fees");
  });

  it("verify (the seed interface) is true for the right roots and gas, false otherwise", async () => {
    const { node } = await memoryNode();
    const caller = await deployCaller(node);
    const { baseFee } = await market(node, caller);
    const fee = l2.gasUsed * baseFee;
    const pre = expected.preStateRoot;
    const wrongRoot = `0x${"ab".repeat(32)}`;
    const trace = bytesToHex(l2.bytes);
    const cases: [string, readonly unknown[], boolean][] = [
      ["right roots and gas", [pre, postStateRoot, trace, l2.gasUsed], true],
      ["wrong post root", [pre, wrongRoot, trace, l2.gasUsed], false],
      ["wrong pre root", [wrongRoot, postStateRoot, trace, l2.gasUsed], false],
      ["wrong gas used", [pre, postStateRoot, trace, l2.gasUsed + 1n], false],
    ];
    const hashes: Hex[] = [];
    for (const [, args] of cases) hashes.push(await send(node, 6, caller, calldata("verify", args), fee));
    const [block] = await node.mine();
    assert.equal(block.transactions.length, cases.length);
    cases.forEach(([name, , ok], i) => {
      const receipt = receiptOf(node, hashes[i]);
      assert.equal(receipt.status, 1, name);
      assert.deepEqual(events(receipt, "Verified"), [{ ok, prepayment: fee }], name);
    });
    assert.equal(executeHeaderFields(block.header).executeGasUsed, BigInt(cases.length) * l2.gasUsed);

    // The same through eth_call, on the next block's market.
    const { baseFee: next } = await market(node, caller);
    const { execResult } = await node.call({
      from: createAddressFromString(node.devAccounts[6].address),
      to: caller,
      data: calldata("verify", cases[0][1]),
      value: l2.gasUsed * next,
      gas: GAS,
    });
    assert.equal(execResult.exceptionError, undefined);
    assert.equal(
      decodeFunctionResult({ abi, functionName: "verify", data: bytesToHex(execResult.returnValue) }),
      true,
    );
  });

  describe("input from a blob", () => {
    type Sidecar = {
      blobs: Hex[];
      kzgCommitments: Hex[];
      kzgProofs: Hex[];
      blobVersionedHashes: Hex[];
    };
    /** The packed L2 input with its commitment and cell proofs, computed once: proofs take seconds. */
    let sidecar: Sidecar;

    before(async () => {
      const { node } = await memoryNode();
      const blobs = packBlobs(l2.bytes).map((blob) => bytesToHex(blob));
      assert.equal(blobs.length, 1);
      const tx = createBlob4844Tx(
        {
          chainId: node.config.chainId,
          to: EXECUTE_ADDRESS,
          maxFeePerBlobGas: 1n,
          blobs,
          networkWrapperVersion: 1,
        },
        { common: node.common },
      );
      sidecar = {
        blobs: tx.blobs as Hex[],
        kzgCommitments: tx.kzgCommitments as Hex[],
        kzgProofs: tx.kzgProofs as Hex[],
        blobVersionedHashes: tx.blobVersionedHashes as Hex[],
      };
    });

    /** A type-3 transaction from dev account `index` carrying the L2 input's blob, in network form. */
    async function sendBlobTx(node: L1Node, index: number, to: Address, data: Uint8Array, value: bigint) {
      const tx = createBlob4844Tx(
        {
          chainId: node.config.chainId,
          nonce: await nextNonce(node, index),
          to,
          data,
          value,
          gasLimit: GAS,
          maxFeePerGas: MAX_FEE,
          maxPriorityFeePerGas: TIP,
          maxFeePerBlobGas: 1_000_000_000n,
          ...sidecar,
          networkWrapperVersion: 1,
        },
        { common: node.common },
      ).sign(hexToBytes(node.devAccounts[index].privateKey));
      assert.equal(tx.networkWrapperVersion, 1, "EIP-7594 cell proofs");
      return node.sendRawTransaction(tx.serializeNetworkWrapper());
    }

    it("executeFromBlob verifies the L2 block packed in the transaction's blob; the node keeps the sidecar and the block re-verifies", async () => {
      const { node } = await memoryNode();
      const caller = await deployCaller(node);
      const { baseFee } = await market(node, caller);
      const fee = l2.gasUsed * baseFee;
      const versionedHash = hexToBytes(sidecar.blobVersionedHashes[0]);

      const hash = await sendBlobTx(node, 7, caller, calldata("executeFromBlob", [0, l2.bytes.length]), fee);
      const [block] = await node.mine();

      const receipt = receiptOf(node, hash);
      assert.equal(receipt.status, 1);
      assert.ok(receipt.blobGasUsed !== undefined && BigInt(receipt.blobGasUsed) > 0n);
      assert.deepEqual(
        events(receipt, "Executed").map((e) => [e.valid, e.blockNumber, e.postStateRoot]),
        [[true, l2.blockNumber, postStateRoot]],
      );
      assert.deepEqual((await view(node, caller, "lastResult")) as SolidityResult, expected);
      const [call] = node.chain[Number(block.header.number)].executeCalls;
      assert.deepEqual(
        [call.outcome, call.source, call.inputBytes, call.fee],
        ["valid", "blob", l2.bytes.length, fee.toString()],
      );
      assert.equal(executeHeaderFields(block.header).executeGasUsed, l2.gasUsed);
      assert.equal(node.mempool.has(hash), false);
      assert.equal(
        bytesToHex(node.blob(versionedHash) ?? new Uint8Array()),
        sidecar.blobs[0],
        "the node keeps the sidecar of a mined transaction",
      );
      await reverify(node, block);
      // A validator that does not hold the sidecar cannot process the block: missing_blob.
      const { input } = await node.statelessInput(block.header.number);
      const withoutBlobs = await verifyStatelessNewPayload(input, {
        rules: l1BlockRules(node.config.execute, L1_FORK, () => undefined),
      });
      assert.equal(withoutBlobs.reason, "missing_blob", withoutBlobs.message);

      // eth_call with the blob's versioned hash resolves it from the kept sidecar.
      const { baseFee: next } = await market(node, caller);
      const { execResult } = await node.call({
        from: createAddressFromString(node.devAccounts[7].address),
        to: caller,
        data: calldata("executeFromBlob", [0, l2.bytes.length]),
        value: l2.gasUsed * next,
        gas: GAS,
        blobVersionedHashes: [sidecar.blobVersionedHashes[0]],
      });
      assert.equal(execResult.exceptionError, undefined);
      const result = decodeFunctionResult({
        abi,
        functionName: "executeFromBlob",
        data: bytesToHex(execResult.returnValue),
      }) as SolidityResult;
      assert.deepEqual(result, expected);
    });

    it("a blob reference to a versioned hash the transaction does not carry fails the call (blob_reference)", async () => {
      const { node } = await memoryNode();
      const caller = await deployCaller(node);
      const { baseFee } = await market(node, caller);
      const fee = l2.gasUsed * baseFee;
      const carried = hexToBytes(sidecar.blobVersionedHashes[0]);
      const other = carried.slice();
      other[31] ^= 0x01;
      const otherReference = encodeBlobReference([
        { versionedHash: other, offset: 0, length: l2.bytes.length },
      ]);
      // 1. A blob transaction referencing a hash other than its own blob's.
      const wrongHash = await sendBlobTx(
        node,
        8,
        caller,
        calldata("executeBlobReference", [bytesToHex(otherReference)]),
        fee,
      );
      const [first] = await node.mine();
      // 2. A plain transaction referencing a blob the node holds, from an earlier block: still
      //    not the calling transaction's.
      assert.ok(node.blob(carried), "the node holds the blob");
      const sender = node.devAccounts[9].address;
      const senderBefore = await balanceOf(node, sender);
      const notCarried = await send(
        node,
        9,
        caller,
        calldata("executeBlobReference", [bytesToHex(blobReferenceFor(l2.bytes, [carried]))]),
        fee,
      );
      const [second] = await node.mine();

      for (const [hash, block] of [
        [wrongHash, first],
        [notCarried, second],
      ] as const) {
        const receipt = receiptOf(node, hash);
        assert.equal(receipt.status, 0, "ExecuteFailed reverts the transaction");
        assert.deepEqual(
          node.chain[Number(block.header.number)].executeCalls.map((c) => [
            c.outcome,
            c.source,
            c.reason,
            c.executeGas,
          ]),
          [["halted", "blob", "blob_reference", "0"]],
        );
        assert.equal(executeHeaderFields(block.header).executeGasUsed, 0n);
      }
      const receipt = receiptOf(node, notCarried);
      assert.equal(senderBefore - (await balanceOf(node, sender)), gasCost(receipt), "the value came back");
      assert.equal(await balanceOf(node, caller), 0n);
      await reverify(node, first);
    });
  });
});
