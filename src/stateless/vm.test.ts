/**
 * The VM's own code paths beside stock ethereumjs. The EXTCODEHASH override runs side by side
 * with ethereumjs' EXTCODEHASH (its default opcode table, its Merkle state manager) on edge
 * operands: the same pre-state, the same transaction, and the receipts and post-state roots must
 * be identical. And exceptions out of the EVM are named, and verification reports them as
 * reasons, never throws.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Block, createBlock } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import {
  bytesToHex,
  createAddressFromBigInt,
  createAddressFromString,
  hexToBytes,
  KECCAK256_NULL_S,
  MapDB,
  setLengthLeft,
  ValueEncoding,
} from "@ethereumjs/util";
import { createVM, runTx, type VM } from "@ethereumjs/vm";
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { GenesisAccount } from "../l1/config.ts";
import { buildGenesisState } from "../node/genesis.ts";
import { InjectedFault, injectPrecompileFault } from "../testing/faults.ts";
import { Rng } from "../util/prng.ts";
import { commonFor } from "./chain.ts";
import { createStateManager } from "./state-manager.ts";
import { createBlockVM, ExecutionFaultError, toAddressMasked } from "./vm.ts";

const common = commonFor(1337n, "osaka");
const KEY = keccak_256(new TextEncoder().encode("nrx/test/vm/sender"));
const FAULTY = createAddressFromString("0x000000000000000000000000000000000000fa17");
const UPPER_96 = ((1n << 96n) - 1n) << 160n;

/** Addresses of the pre-state, one of each kind EXTCODEHASH tells apart. */
const A = {
  probe: "0x00000000000000000000000000000000000c0de1",
  eoa: "0x00000000000000000000000000000000000e0a01",
  contract: "0x00000000000000000000000000000000000c0de2",
  nonceOnly: "0x0000000000000000000000000000000000000a01",
  empty: "0x0000000000000000000000000000000000000e00",
  delegated: "0x0000000000000000000000000000000000007702",
  precompile: "0x0000000000000000000000000000000000000001",
  absent: "0x000000000000000000000000000000000000dead",
  zero: "0x0000000000000000000000000000000000000000",
  max: "0xffffffffffffffffffffffffffffffffffffffff",
  system: "0xfffffffffffffffffffffffffffffffffffffffe",
} as const;

/**
 * The probe: EXTCODEHASH of calldata word 0 into slot 0 (cold), again into slot 1 (warm), then of
 * a contract it creates, with the upper bits of its address set, into slot 2.
 */
const PROBE =
  "0x6000353f6000556000353f600155" + // h(w) → 0, h(w) → 1
  "6460016000f360d81b600052" + // mstore(0, initcode "PUSH1 1 PUSH1 0 RETURN" << 216)
  "600560006000f0" + // create(0, 0, 5)
  `7f${UPPER_96.toString(16).padStart(64, "0")}17` + // or the upper 96 bits
  "3f60025500"; // h → 2, stop

/** EXTCODEHASH of calldata word 0 and nothing else: its gas alone decides where it runs out. */
const HASH_ONLY = "0x00000000000000000000000000000000000c0de3";

const alloc: Record<string, GenesisAccount> = {
  [A.probe]: { balance: 0n, code: PROBE as `0x${string}` },
  [HASH_ONLY]: { balance: 0n, code: "0x6000353f00" },
  [A.eoa]: { balance: 10n ** 18n },
  [A.contract]: { balance: 0n, nonce: 1n, code: "0x6001600055" },
  [A.nonceOnly]: { balance: 0n, nonce: 1n },
  [A.empty]: { balance: 0n },
  [A.delegated]: { balance: 1n, code: `0xef0100${A.contract.slice(2)}` },
};

type Outcome = { status: number; gasUsed: bigint; stateRoot: string; slots: string[] };

async function genesis() {
  const sender = createFeeMarket1559Tx({}, { common }).sign(KEY).getSenderAddress();
  return buildGenesisState(common, { ...alloc, [sender.toString()]: { balance: 10n ** 20n } });
}

function block(): Block {
  return createBlock(
    {
      header: {
        number: 1n,
        gasLimit: 30_000_000n,
        baseFeePerGas: 7n,
        timestamp: 12n,
        coinbase: createAddressFromString("0x00000000000000000000000000000000000c01b5"),
      },
    },
    { common },
  );
}

function probeTx(word: bigint, nonce: bigint, gasLimit: bigint, to: string = A.probe) {
  return createFeeMarket1559Tx(
    {
      chainId: common.chainId(),
      nonce,
      to: createAddressFromString(to),
      data: setLengthLeft(hexToBytes(`0x${word.toString(16).padStart(64, "0")}`), 32),
      gasLimit,
      maxFeePerGas: 10n,
      maxPriorityFeePerGas: 1n,
    },
    { common },
  ).sign(KEY);
}

/** Runs the probe with operand `word`, one transaction per operand, in `vm`. */
async function probe(
  vm: VM,
  word: bigint,
  nonce: bigint,
  gasLimit = 300_000n,
  to: string = A.probe,
): Promise<Outcome> {
  const result = await runTx(vm, { tx: probeTx(word, nonce, gasLimit, to), block: block() });
  const slots: string[] = [];
  for (let i = 0n; i < 3n; i++) {
    const value = await vm.stateManager.getStorage(
      createAddressFromString(A.probe),
      setLengthLeft(hexToBytes(`0x0${i}`), 32),
    );
    slots.push(bytesToHex(value));
  }
  return {
    status: "status" in result.receipt ? result.receipt.status : -1,
    gasUsed: result.totalGasSpent,
    stateRoot: bytesToHex(await vm.stateManager.getStateRoot()),
    slots,
  };
}

/** This project's VM and stock ethereumjs' over the same pre-state. */
async function bothVMs(): Promise<{ ours: VM; stock: VM }> {
  const { nodes, stateRoot } = await genesis();
  const blockchain = {
    getBlock: async () => {
      throw new Error("no BLOCKHASH here");
    },
    putBlock: async () => {},
    shallowCopy() {
      return this;
    },
  };
  const ours = await createBlockVM(
    common,
    createStateManager(new MapDB(new Map(nodes)), stateRoot, common),
    blockchain,
  );
  const trie = new MerklePatriciaTrie({
    db: new MapDB(new Map(nodes)),
    useKeyHashing: true,
    common,
    valueEncoding: ValueEncoding.Bytes,
  });
  trie.root(stateRoot);
  const stock = await createVM({ common, stateManager: new MerkleStateManager({ trie, common }) });
  return { ours, stock };
}

const word = (address: string, upper = 0n) => BigInt(address) | upper;

describe("EXTCODEHASH beside stock ethereumjs", () => {
  it("takes its operand mod 2^160, as execution-specs' to_address_masked", () => {
    const address = createAddressFromString(A.eoa);
    assert.ok(toAddressMasked(word(A.eoa, UPPER_96)).equals(address));
    assert.ok(toAddressMasked((1n << 256n) - 1n).equals(createAddressFromString(A.max)));
    assert.ok(toAddressMasked(1n << 160n).equals(createAddressFromBigInt(0n)));
  });

  it("gives the same hashes, gas and post-state on every kind of account, with and without dirty upper bits", async () => {
    const { ours, stock } = await bothVMs();
    const operands: [string, bigint][] = [];
    for (const [name, address] of Object.entries(A)) {
      operands.push([name, word(address)]);
      operands.push([`${name}, upper 96 bits set`, word(address, UPPER_96)]);
      operands.push([`${name}, bit 255 set`, word(address, 1n << 255n)]);
      operands.push([`${name}, bit 160 set`, word(address, 1n << 160n)]);
    }
    operands.push(["2^256 - 1", (1n << 256n) - 1n]);
    const rng = new Rng(0x3f);
    const addresses = Object.values(A);
    for (let i = 0; i < 40; i++) {
      const upper = BigInt(Math.floor(rng.float() * 2 ** 48)) << 208n;
      const middle = BigInt(Math.floor(rng.float() * 2 ** 48)) << 160n;
      operands.push([`random ${i}`, word(addresses[i % addresses.length], upper | middle)]);
    }
    let nonce = 0n;
    for (const [name, operand] of operands) {
      const expected = await probe(stock, operand, nonce);
      const actual = await probe(ours, operand, nonce);
      nonce++;
      assert.deepEqual(actual, expected, name);
      assert.equal(actual.status, 1, `${name}: the probe ran`);
    }
    // What the table above compares, spelled out for three of its rows.
    const eoa = await probe(ours, word(A.eoa, UPPER_96), nonce);
    assert.equal(eoa.slots[0], KECCAK256_NULL_S, "an EOA has the empty code hash");
    const absent = await probe(ours, word(A.absent, UPPER_96), nonce + 1n);
    assert.equal(absent.slots[0], "0x", "an absent account has hash 0 (nothing stored)");
    const delegated = await probe(ours, word(A.delegated, 1n << 255n), nonce + 2n);
    assert.equal(
      delegated.slots[0],
      bytesToHex(keccak_256(hexToBytes(`0xef0100${A.contract.slice(2)}`))),
      "a delegated EOA hashes its delegation designator",
    );
  });

  it("needs the same least gas as ethereumjs, 2,600 for a cold read, and fails the same way below it", async () => {
    const { ours, stock } = await bothVMs();
    const operand = word(A.eoa, UPPER_96);
    const nonces = new Map<VM, bigint>();
    const run = (vm: VM, limit: bigint, to: string) => {
      const nonce = nonces.get(vm) ?? 0n;
      nonces.set(vm, nonce + 1n);
      return probe(vm, operand, nonce, limit, to);
    };
    /** The least gas limit with which `to` succeeds in `vm`, by bisection; each try is a transaction. */
    const leastGas = async (vm: VM, to: string) => {
      let low = probeTx(operand, 0n, 0n, to).getMinimumGasLimit() - 1n; // fails (or is invalid)
      let high = 1_000_000n; // succeeds
      while (high - low > 1n) {
        const mid = (low + high) / 2n;
        if ((await run(vm, mid, to)).status === 1) high = mid;
        else low = mid;
      }
      return high;
    };
    for (const to of [HASH_ONLY, A.probe]) {
      const least = await leastGas(stock, to);
      assert.equal(await leastGas(ours, to), least, `${to}: the same least gas`);
      for (const limit of [least - 2n, least - 1n, least, least + 1n]) {
        const expected = await run(stock, limit, to);
        const actual = await run(ours, limit, to);
        assert.deepEqual(actual, expected, `${to} with gas limit ${limit}`);
        assert.equal(actual.status, limit < least ? 0 : 1);
      }
      if (to === HASH_ONLY) {
        const intrinsic = probeTx(operand, 0n, 0n, to).getIntrinsicGas();
        assert.equal(least, intrinsic + 3n + 3n + 2_600n, "PUSH1, CALLDATALOAD, then a cold EXTCODEHASH");
      }
    }
  });
});

describe("exceptions out of the EVM", () => {
  it("are ExecutionFaultErrors carrying what was thrown", async () => {
    const { ours } = await bothVMs();
    const remove = injectPrecompileFault(FAULTY);
    try {
      await assert.rejects(
        ours.evm.runCall({ to: FAULTY, gasLimit: 100_000n }),
        (err: unknown) => err instanceof ExecutionFaultError && err.cause instanceof InjectedFault,
      );
    } finally {
      remove();
    }
    const result = await ours.evm.runCall({ to: FAULTY, gasLimit: 100_000n });
    assert.equal(result.execResult.exceptionError, undefined, "without the fault, an empty account");
  });
});
