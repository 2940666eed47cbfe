import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Address,
  bytesToBigInt,
  createAddressFromString,
  equalsBytes,
  MapDB,
  setLengthLeft,
} from "@ethereumjs/util";
import type { TxReceipt } from "@ethereumjs/vm";
import { SYSTEM_CONTRACTS } from "../node/system-contracts.ts";
import { decodeStatelessInput } from "../stateless/ssz.ts";
import { createStateManager } from "../stateless/state-manager.ts";
import { verifyStatelessNewPayload } from "../stateless/verify.ts";
import { createBlockVM } from "../stateless/vm.ts";
import {
  ACCOUNT_BALANCE,
  createGenesis,
  erc20TransferCalldata,
  erc20Transfers,
  erc20TransferTx,
  ethTransfers,
  type Genesis,
  prepareStatelessInput,
  TOKEN_BALANCE,
  TRANSFER_EVENT_TOPIC,
  tokenBalanceOf,
  type Workload,
} from "./transfers.ts";

const ACCOUNTS = 100;
const COUNT = 20;

const statusOf = (r: TxReceipt) => ("status" in r ? r.status : undefined);

async function verify(workload: Workload) {
  const prepared = await prepareStatelessInput(workload);
  const result = await verifyStatelessNewPayload(decodeStatelessInput(prepared.bytes), {
    rejectUnusedWitness: true,
  });
  return { prepared, result };
}

/** Calls the token with `data` on the state rooted at `stateRoot`, returning the output. */
async function callToken(
  genesis: Genesis,
  nodes: Map<string, Uint8Array>,
  stateRoot: Uint8Array,
  data: Uint8Array,
) {
  const sm = createStateManager(new MapDB<string, Uint8Array>(nodes), stateRoot, genesis.common);
  const vm = await createBlockVM(genesis.common, sm, {
    getBlock: async () => genesis.block,
    putBlock: async () => {},
    shallowCopy() {
      return this;
    },
  });
  const result = await vm.evm.runCall({ to: genesis.token, data, gasLimit: 1_000_000n });
  assert.equal(result.execResult.exceptionError, undefined);
  return result.execResult.returnValue;
}

describe("transfer workloads", () => {
  it("builds a genesis with the system contracts and the token", async () => {
    const genesis = await createGenesis({ accounts: ACCOUNTS });
    assert.equal(genesis.accounts.length, ACCOUNTS);
    assert.equal(genesis.header.number, 0n);
    const sm = createStateManager(
      new MapDB<string, Uint8Array>(genesis.nodes),
      genesis.header.stateRoot,
      genesis.common,
    );
    for (const contract of SYSTEM_CONTRACTS) {
      assert.ok((await sm.getCode(createAddressFromString(contract.address))).length > 0, contract.name);
    }
    // Every account and token balance is reachable in the (pruned) genesis node store.
    for (const { address } of genesis.accounts) {
      assert.equal((await sm.getAccount(address))?.balance, ACCOUNT_BALANCE);
      assert.equal(
        await tokenBalanceOf(genesis, genesis.nodes, genesis.header.stateRoot, address),
        TOKEN_BALANCE,
      );
    }
  });

  it("an ETH transfer block verifies statelessly", async () => {
    const workload = await ethTransfers(COUNT, ACCOUNTS);
    const { prepared, result } = await verify(workload);
    assert.equal(result.successfulValidation, true, `${result.reason}: ${result.message}`);
    assert.equal(prepared.block.transactions.length, COUNT);
    assert.equal(prepared.block.header.gasUsed, 21_000n * BigInt(COUNT));
    assert.ok(
      equalsBytes(result.verified?.postStateRoot ?? new Uint8Array(), prepared.block.header.stateRoot),
    );
    assert.ok(prepared.result.receipts.every((r) => statusOf(r) === 1));
  });

  it("an ERC-20 transfer block verifies statelessly and moves balances", async () => {
    const workload = await erc20Transfers(COUNT, ACCOUNTS);
    const { genesis } = workload;
    const { prepared, result } = await verify(workload);
    assert.equal(result.successfulValidation, true, `${result.reason}: ${result.message}`);

    // Replay the transfers from their logs and compare with the post-state storage.
    const expected = new Map<string, bigint>();
    const holders = new Map<string, Address>();
    const balance = async (a: Address) =>
      expected.get(a.toString()) ??
      (await tokenBalanceOf(genesis, genesis.nodes, genesis.header.stateRoot, a));
    const receipts = prepared.result.receipts;
    assert.equal(receipts.length, COUNT);
    for (const [i, receipt] of receipts.entries()) {
      assert.equal(statusOf(receipt), 1);
      assert.equal(receipt.logs.length, 1);
      const [address, topics, data] = receipt.logs[0];
      assert.ok(equalsBytes(address, genesis.token?.bytes ?? new Uint8Array()));
      assert.ok(equalsBytes(topics[0], TRANSFER_EVENT_TOPIC));
      const tx = prepared.block.transactions[i];
      const from = tx.getSenderAddress();
      assert.ok(equalsBytes(topics[1], setLengthLeft(from.bytes, 32)));
      const to = new Address(topics[2].subarray(12));
      const amount = bytesToBigInt(data);
      // The log carries exactly what the call asked for: `transfer(to, amount)`.
      assert.ok(equalsBytes(topics[2], tx.data.subarray(4, 36)));
      assert.ok(equalsBytes(data, tx.data.subarray(36, 68)));
      assert.ok(amount > 0n);
      expected.set(from.toString(), (await balance(from)) - amount);
      expected.set(to.toString(), (await balance(to)) + amount);
      holders.set(from.toString(), from);
      holders.set(to.toString(), to);
    }
    const { postNodes } = prepared.built;
    const root = prepared.block.header.stateRoot;
    for (const [key, holder] of holders) {
      assert.equal(await tokenBalanceOf(genesis, postNodes, root, holder), expected.get(key), key);
    }
    // The token's own balanceOf agrees with the storage layout.
    const [, holder] = [...holders][0];
    const out = await callToken(genesis, postNodes, root, erc20BalanceOfCalldata(holder));
    assert.equal(bytesToBigInt(out), expected.get(holder.toString()));
  });

  it("a transfer exceeding the token balance reverts and the block still verifies", async () => {
    const genesis = await createGenesis({ accounts: ACCOUNTS });
    const [a, b, c] = genesis.accounts;
    const transactions = [
      erc20TransferTx(genesis, a, b.address, 5n, 0n),
      erc20TransferTx(genesis, c, b.address, TOKEN_BALANCE + 1n, 0n),
    ];
    const { prepared, result } = await verify({ name: "revert", genesis, transactions });
    assert.equal(result.successfulValidation, true, `${result.reason}: ${result.message}`);
    const [ok, reverted] = prepared.result.receipts;
    assert.equal(statusOf(ok), 1);
    assert.equal(statusOf(reverted), 0);
    assert.equal(reverted.logs.length, 0);
    const { postNodes } = prepared.built;
    const root = prepared.block.header.stateRoot;
    assert.equal(await tokenBalanceOf(genesis, postNodes, root, c.address), TOKEN_BALANCE);
    assert.equal(await tokenBalanceOf(genesis, postNodes, root, b.address), TOKEN_BALANCE + 5n);
    assert.equal(await tokenBalanceOf(genesis, postNodes, root, a.address), TOKEN_BALANCE - 5n);
    // The calldata encoder matches the ABI layout: selector, padded address, padded amount.
    assert.equal(erc20TransferCalldata(b.address, 1n).length, 4 + 32 + 32);
  });
});

function erc20BalanceOfCalldata(holder: Address): Uint8Array {
  const data = new Uint8Array(36);
  data.set([0x70, 0xa0, 0x82, 0x31]);
  data.set(holder.bytes, 16);
  return data;
}
