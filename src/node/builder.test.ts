/**
 * The block builder against the verifier: what the builder assembles on ethereumjs' public API
 * (system transactions, requests, header roots) must be exactly what ethereumjs' `runBlock`
 * computes when the stateless verifier re-executes the block from its witness. The requests
 * are exercised for real: an EIP-6110 deposit event, an EIP-7002 withdrawal request and an
 * EIP-7251 consolidation request in one block.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createBlock } from "@ethereumjs/block";
import { Mainnet } from "@ethereumjs/common";
import { createFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import {
  bigIntToBytes,
  concatBytes,
  createAddressFromPrivateKey,
  createAddressFromString,
  KECCAK256_RLP,
  SHA256_NULL,
  setLengthLeft,
  setLengthRight,
} from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { commonFor } from "../stateless/chain.ts";
import { generateStatelessInput } from "../stateless/generate.ts";
import { verifyStatelessNewPayload } from "../stateless/verify.ts";
import { SystemContractError } from "../stateless/vm.ts";
import { type BlockParent, buildBlockOn, type ProducerFields } from "./builder.ts";
import type { GenesisAccount } from "./config.ts";
import { buildGenesisState, createGenesisBlock, systemContractAlloc } from "./genesis.ts";

const common = commonFor(1337n, "osaka");
const KEY = keccak_256(new TextEncoder().encode("nrx/test/builder/sender"));
const SENDER = createAddressFromPrivateKey(KEY);
const DEPOSIT_CONTRACT = Mainnet.depositContractAddress as `0x${string}`;
const WITHDRAWAL_PREDEPLOY = "0x00000961Ef480Eb55e80D19ad83579A64c007002";
const CONSOLIDATION_PREDEPLOY = "0x0000BBdDc7CE488642fb579F8B00f3a590007251";
const DEPOSIT_TOPIC = "649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5";
/** A stand-in deposit contract: logs its calldata under the deposit event's topic. */
const DEPOSIT_LOGGER = `0x365f5f377f${DEPOSIT_TOPIC}365fa100` as const;

const FIELDS: ProducerFields = {
  coinbase: createAddressFromString("0x00000000000000000000000000000000c0ffee00"),
  timestamp: 12n,
  mixHash: new Uint8Array(32).fill(0x42),
  parentBeaconBlockRoot: new Uint8Array(32).fill(0xbe),
};

async function genesis(alloc: Record<string, GenesisAccount>): Promise<BlockParent> {
  const { nodes, stateRoot } = await buildGenesisState(common, alloc);
  const { header, block } = createGenesisBlock(common, {
    stateRoot,
    gasLimit: 30_000_000n,
    baseFeePerGas: 7n,
    timestamp: 0n,
  });
  return { common, nodes, block, header };
}

function call(to: string, data: Uint8Array, nonce: bigint, value = 0n): TypedTransaction {
  return createFeeMarket1559Tx(
    { to: createAddressFromString(to), data, value, nonce, gasLimit: 1_000_000n, maxFeePerGas: 100n },
    { common },
  ).sign(KEY);
}

/** The deposit event's data in the contract's ABI layout: five byte fields at fixed offsets. */
function depositEventData(): Uint8Array {
  const word = (n: number) => setLengthLeft(bigIntToBytes(BigInt(n)), 32);
  const field = (size: number, fill: number) =>
    concatBytes(word(size), setLengthRight(new Uint8Array(size).fill(fill), Math.ceil(size / 32) * 32));
  return concatBytes(
    ...[160, 256, 320, 384, 512].map(word),
    field(48, 0x11),
    field(32, 0x22),
    field(8, 0x33),
    field(96, 0x44),
    field(8, 0x55),
  );
}

async function verifyBuilt(parent: BlockParent, transactions: TypedTransaction[]) {
  const timestamp = parent.header.timestamp + 12n;
  const built = await buildBlockOn(parent, transactions, { ...FIELDS, timestamp });
  const { input } = await generateStatelessInput(built.block, common, "osaka", {
    nodes: parent.nodes,
    parent: parent.header,
    headerRlp: () => parent.header.serialize(),
  });
  return { built, verification: await verifyStatelessNewPayload(input) };
}

describe("the block builder", () => {
  it("assembles a block with a deposit, a withdrawal and a consolidation request that the verifier accepts as built", async () => {
    const parent = await genesis({
      ...systemContractAlloc(),
      [SENDER.toString()]: { balance: 10n ** 20n },
      [DEPOSIT_CONTRACT.toLowerCase()]: { balance: 0n, nonce: 1n, code: DEPOSIT_LOGGER },
    });
    const pubkey = new Uint8Array(48).fill(0x66);
    const transactions = [
      call(DEPOSIT_CONTRACT, depositEventData(), 0n),
      // EIP-7002: source pubkey and amount; EIP-7251: source and target pubkeys. Fee 1 wei at no excess.
      call(WITHDRAWAL_PREDEPLOY, concatBytes(pubkey, new Uint8Array(8)), 1n, 1n),
      call(CONSOLIDATION_PREDEPLOY, concatBytes(pubkey, new Uint8Array(48).fill(0x77)), 2n, 1n),
    ];
    const { built, verification } = await verifyBuilt(parent, transactions);
    assert.deepEqual(
      built.receipts.map((r) => ("status" in r ? r.status : undefined)),
      [1, 1, 1],
    );
    assert.deepEqual(
      built.executionRequests.map((r) => [r[0], r.length - 1]),
      [
        [0, 192], // pubkey, withdrawal credentials, amount, signature, index
        [1, 76], // source address, pubkey, amount
        [2, 116], // source address, source and target pubkeys
      ],
    );
    assert.equal(verification.successfulValidation, true, verification.message);
    assert.deepEqual(verification.verified?.blockHash, built.block.hash());
  });

  it("builds empty blocks on empty blocks, each one the verifier accepts", async () => {
    let parent = await genesis({ ...systemContractAlloc() });
    for (let i = 0; i < 3; i++) {
      const { built, verification } = await verifyBuilt(parent, []);
      assert.equal(verification.successfulValidation, true, verification.message);
      parent = { common, nodes: built.postNodes, block: built.block, header: built.block.header };
    }
    assert.equal(parent.header.number, 3n);
  });

  it("refuses to seal a block whose request predeploy has no code, and the verifier rejects such a block: invalid_system_call", async () => {
    const alloc = systemContractAlloc();
    delete alloc[WITHDRAWAL_PREDEPLOY.toLowerCase()];
    const parent = await genesis(alloc);
    await assert.rejects(buildBlockOn(parent, [], FIELDS), (err: Error) => {
      assert.ok(err instanceof SystemContractError, String(err));
      assert.match(err.message, /no code at/);
      return true;
    });

    // The block a builder without that check would seal; the header's roots do not matter, the
    // end-of-block system call fails before any of them is compared.
    const block = createBlock(
      {
        header: {
          ...FIELDS,
          parentHash: parent.block.hash(),
          number: 1n,
          gasLimit: parent.header.gasLimit,
          baseFeePerGas: parent.header.calcNextBaseFee(),
          excessBlobGas: 0n,
          blobGasUsed: 0n,
          withdrawalsRoot: KECCAK256_RLP,
          requestsHash: SHA256_NULL,
        },
        withdrawals: [],
      },
      { common },
    );
    const { input } = await generateStatelessInput(block, common, "osaka", {
      nodes: parent.nodes,
      parent: parent.header,
      headerRlp: () => parent.header.serialize(),
    });
    const rejected = await verifyStatelessNewPayload(input);
    assert.equal(rejected.reason, "invalid_system_call", rejected.message);
    assert.match(rejected.message ?? "", /system contract empty/);
  });
});
