/**
 * The L1 chain config and `nrx l1`'s arguments: defaults, the three spellings of an integer,
 * one ConfigError per kind of bad value naming its JSON path, config files, genesis accounts
 * reaching the node's state, and flags overriding the file.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bytesToHex, createAddressFromString } from "@ethereumjs/util";
import { parseL1Args } from "../cli/l1.ts";
import { DEFAULT_EXECUTE_PARAMS } from "../execute/market.ts";
import { UsageError } from "../util/errors.ts";
import {
  ConfigError,
  DEFAULT_L1_CONFIG,
  DEFAULT_MNEMONIC,
  l1ConfigToJson,
  loadL1Config,
  parseL1Config,
} from "./config.ts";
import { openL1Node } from "./node.ts";

const ACCOUNT = "0x00000000000000000000000000000000000c0de1";
const SLOT = `0x${"00".repeat(31)}01`;
const WORD = `0x${"00".repeat(31)}2a`;

/** The ConfigError `parseL1Config(overrides)` throws. */
function configError(overrides: unknown): ConfigError {
  try {
    parseL1Config(overrides);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail(`${JSON.stringify(overrides)} was accepted`);
}

describe("parseL1Config", () => {
  it("gives the built-in defaults when nothing is overridden", () => {
    assert.deepEqual(parseL1Config(), DEFAULT_L1_CONFIG);
    assert.deepEqual(parseL1Config({}), DEFAULT_L1_CONFIG);
    const config = parseL1Config({});
    assert.equal(config.chainId, 31337n);
    assert.equal(config.slotTimeMs, 12_000);
    assert.equal(config.devAccounts.mnemonic, DEFAULT_MNEMONIC);
    assert.equal(config.devAccounts.count, 10);
    assert.deepEqual(config.execute, DEFAULT_EXECUTE_PARAMS);
    assert.deepEqual(config.rpc, { host: "127.0.0.1", port: 8545, maxRequestBytes: 16 * 1024 * 1024 });
    assert.deepEqual(config.genesis.alloc, {});
  });

  it("keeps the defaults of the fields a section leaves out", () => {
    const config = parseL1Config({ execute: { gasCost: 5 }, rpc: { port: 0 } });
    assert.deepEqual(config.execute, { ...DEFAULT_EXECUTE_PARAMS, gasCost: 5n });
    assert.deepEqual(config.rpc, { ...DEFAULT_L1_CONFIG.rpc, port: 0 });
    assert.deepEqual(config.mempool, DEFAULT_L1_CONFIG.mempool);
  });

  it("reads integers as JSON numbers, decimal strings and 0x-hex strings", () => {
    for (const chainId of [1337, "1337", "0x539", "0X539".toLowerCase()]) {
      assert.equal(parseL1Config({ chainId }).chainId, 1337n, JSON.stringify(chainId));
    }
    for (const slotTimeMs of [500, "500", "0x1f4", "0x1F4"]) {
      const config = parseL1Config({ slotTimeMs });
      assert.equal(config.slotTimeMs, 500, JSON.stringify(slotTimeMs));
      assert.equal(typeof config.slotTimeMs, "number");
    }
    // Strings keep values past 2^53 exact.
    const big = "123456789012345678901234567890";
    const config = parseL1Config({
      devAccounts: { balance: big },
      execute: { initialBaseFee: "0xffffffffffffffffffffffff", cumulativeGasLimit: "18446744073709551615" },
      genesis: { timestamp: "0x10", baseFeePerGas: 7 },
    });
    assert.equal(config.devAccounts.balance, BigInt(big));
    assert.equal(config.execute.initialBaseFee, (1n << 96n) - 1n);
    assert.equal(config.execute.cumulativeGasLimit, (1n << 64n) - 1n);
    assert.equal(config.genesis.timestamp, 16n);
    assert.equal(config.genesis.baseFeePerGas, 7n);
  });

  it("names the JSON path of every bad value in a ConfigError", () => {
    const alloc = (account: unknown) => ({ genesis: { alloc: { [ACCOUNT]: account } } });
    const cases: [string, unknown, string, RegExp][] = [
      ["not an object", [], "config", /expected an object/],
      ["a section that is not an object", { genesis: 5 }, "config.genesis", /expected an object/],
      ["an unknown top-level key", { chainID: 1 }, "config.chainID", /unknown field \(known: chainId,/],
      ["an unknown key in a section", { execute: { foo: 1 } }, "config.execute.foo", /unknown field/],
      [
        "a key named like an Object.prototype member",
        { execute: { constructor: 1 } },
        "config.execute.constructor",
        /unknown field/,
      ],
      ["__proto__ as a key", JSON.parse('{"__proto__": {"chainId": 5}}'), "config.__proto__", /unknown/],
      [
        "execute gas target above the limit",
        { execute: { cumulativeGasLimit: 1000, cumulativeGasTarget: 1001 } },
        "config.execute.cumulativeGasTarget",
        /must not exceed cumulativeGasLimit \(1000\)/,
      ],
      [
        "execute gas target above the default limit",
        { execute: { cumulativeGasTarget: "40000000" } },
        "config.execute.cumulativeGasTarget",
        /must not exceed cumulativeGasLimit \(30000000\)/,
      ],
      [
        "a genesis balance that is not an integer",
        alloc({ balance: "lots" }),
        `config.genesis.alloc.${ACCOUNT}.balance`,
        /expected an integer.*"lots"/,
      ],
      [
        "a fractional genesis balance",
        alloc({ balance: 1.5 }),
        `config.genesis.alloc.${ACCOUNT}.balance`,
        /expected an integer/,
      ],
      [
        "a negative genesis balance",
        alloc({ balance: -1 }),
        `config.genesis.alloc.${ACCOUNT}.balance`,
        /must be at least 0, got -1/,
      ],
      [
        "a genesis nonce past 64 bits",
        alloc({ nonce: "0x10000000000000000" }),
        `config.genesis.alloc.${ACCOUNT}.nonce`,
        /must be at most 18446744073709551615/,
      ],
      [
        "genesis code of odd length",
        alloc({ code: "0x123" }),
        `config.genesis.alloc.${ACCOUNT}.code`,
        /expected 0x-hex/,
      ],
      [
        "a storage slot key that is not 32 bytes",
        alloc({ storage: { "0x01": WORD } }),
        `config.genesis.alloc.${ACCOUNT}.storage.<key>`,
        /expected 0x-hex of 32 bytes, got "0x01"/,
      ],
      [
        "a storage value that is not 32 bytes",
        alloc({ storage: { [SLOT]: "0x2a" } }),
        `config.genesis.alloc.${ACCOUNT}.storage.${SLOT}`,
        /of 32 bytes, got "0x2a"/,
      ],
      [
        "an unknown key in a genesis account",
        alloc({ balance: 1, codeHash: "0x" }),
        `config.genesis.alloc.${ACCOUNT}.codeHash`,
        /unknown field \(known: balance, nonce, code, storage\)/,
      ],
      [
        "a genesis account that is not an object",
        alloc("0x1"),
        `config.genesis.alloc.${ACCOUNT}`,
        /expected an object/,
      ],
      [
        "an alloc key that is not an address",
        { genesis: { alloc: { "0x1234": { balance: 1 } } } },
        "config.genesis.alloc.<address>",
        /expected 0x-hex of 20 bytes, got "0x1234"/,
      ],
      [
        "an alloc key without 0x",
        { genesis: { alloc: { [ACCOUNT.slice(2)]: { balance: 1 } } } },
        "config.genesis.alloc.<address>",
        /expected 0x-hex of 20 bytes/,
      ],
      ["rpc.port above 65535", { rpc: { port: 65536 } }, "config.rpc.port", /at most 65535, got 65536/],
      ["a negative rpc.port", { rpc: { port: -1 } }, "config.rpc.port", /at least 0/],
      ["rpc.port as a word", { rpc: { port: "http" } }, "config.rpc.port", /expected an integer/],
      ["an empty rpc.host", { rpc: { host: "" } }, "config.rpc.host", /host name or address/],
      [
        "a tiny request limit",
        { rpc: { maxRequestBytes: 100 } },
        "config.rpc.maxRequestBytes",
        /at least 1024/,
      ],
      [
        "a mnemonic of fewer than 12 words",
        { devAccounts: { mnemonic: "test test test junk" } },
        "config.devAccounts.mnemonic",
        /at least 12 words/,
      ],
      [
        "a mnemonic that is not a string",
        { devAccounts: { mnemonic: 12 } },
        "config.devAccounts.mnemonic",
        /BIP-39/,
      ],
      ["too many dev accounts", { devAccounts: { count: 1001 } }, "config.devAccounts.count", /at most 1000/],
      ["chain id 0", { chainId: 0 }, "config.chainId", /at least 1/],
      ["a chain id past 2^53", { chainId: "0x20000000000000" }, "config.chainId", /at most 9007199254740991/],
      ["a JSON number past 2^53", { gasLimit: 2 ** 60 }, "config.gasLimit", /expected an integer/],
      ["null", { gasLimit: null }, "config.gasLimit", /got null/],
      ["a slot under 50 ms", { slotTimeMs: 10 }, "config.slotTimeMs", /at least 50/],
      ["a coinbase of 19 bytes", { coinbase: `0x${"11".repeat(19)}` }, "config.coinbase", /20 bytes/],
      [
        "an empty mempool",
        { mempool: { maxTransactions: 0 } },
        "config.mempool.maxTransactions",
        /at least 1/,
      ],
      [
        "a zero base fee change denominator",
        { execute: { baseFeeChangeDenominator: 0 } },
        "config.execute.baseFeeChangeDenominator",
        /at least 1/,
      ],
      [
        "a zero genesis base fee",
        { genesis: { baseFeePerGas: "0" } },
        "config.genesis.baseFeePerGas",
        /at least 1/,
      ],
    ];
    for (const [name, overrides, field, message] of cases) {
      const err = configError(overrides);
      assert.equal(err.field, field, name);
      assert.match(err.message, message, name);
      assert.ok(err.message.startsWith(`config ${field}: `), `${name}: ${err.message}`);
    }
  });

  it("normalizes alloc addresses and hex to lower case", () => {
    const mixed = "0x00000000000000000000000000000000000C0DE1";
    const config = parseL1Config({
      genesis: {
        alloc: {
          [mixed]: {
            balance: "1",
            code: "0x60AB",
            storage: { [SLOT.toUpperCase().replace("0X", "0x")]: WORD },
          },
        },
      },
    });
    assert.deepEqual(Object.keys(config.genesis.alloc), [ACCOUNT]);
    assert.deepEqual(config.genesis.alloc[ACCOUNT], {
      balance: 1n,
      code: "0x60ab",
      storage: { [SLOT]: WORD },
    });
  });

  it("round-trips through its JSON form", () => {
    const config = parseL1Config({
      chainId: 7,
      devAccounts: { balance: "123456789012345678901234567890" },
      genesis: { alloc: { [ACCOUNT]: { balance: 5, nonce: 2, code: "0x00", storage: { [SLOT]: WORD } } } },
    });
    assert.deepEqual(parseL1Config(l1ConfigToJson(config)), config);
  });
});

describe("loadL1Config", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "nrx-config-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a JSON file", () => {
    const file = join(dir, "ok.json");
    writeFileSync(file, JSON.stringify({ chainId: "0x2a", slotTimeMs: 1000 }));
    const config = loadL1Config(file);
    assert.equal(config.chainId, 42n);
    assert.equal(config.slotTimeMs, 1000);
  });

  it("names the file when it is missing", () => {
    const file = join(dir, "missing.json");
    assert.throws(
      () => loadL1Config(file),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.field, file);
        assert.match(err.message, /cannot read/);
        assert.ok(err.message.includes(file));
        return true;
      },
    );
  });

  it("names the file when it is not valid JSON", () => {
    const file = join(dir, "broken.json");
    writeFileSync(file, '{ "chainId": 1, }');
    assert.throws(
      () => loadL1Config(file),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.field, file);
        assert.match(err.message, /not valid JSON/);
        assert.ok(err.message.includes(file));
        return true;
      },
    );
  });

  it("names the field of a bad value inside the file", () => {
    const file = join(dir, "bad-field.json");
    writeFileSync(file, JSON.stringify({ rpc: { port: 99999 } }));
    assert.throws(() => loadL1Config(file), { name: "ConfigError", field: "config.rpc.port" });
  });
});

describe("genesis alloc in the node's state", () => {
  it("puts balance, nonce, code and storage of alloc accounts into the genesis state", async () => {
    const code = "0x6000600055";
    const dev0 = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"; // dev account 0 of the default mnemonic
    const config = parseL1Config({
      devAccounts: { count: 1 },
      genesis: {
        alloc: {
          [ACCOUNT]: { balance: "0xde0b6b3a7640000", nonce: 3, code, storage: { [SLOT]: WORD } },
          [dev0]: { balance: 5 },
        },
      },
    });
    const node = await openL1Node(config);
    try {
      const state = node.stateAt();
      const address = createAddressFromString(ACCOUNT);
      const account = await state.getAccount(address);
      assert.equal(account?.balance, 10n ** 18n);
      assert.equal(account?.nonce, 3n);
      assert.equal(bytesToHex(await state.getCode(address)), code);
      const slot = new Uint8Array(32);
      slot[31] = 1;
      assert.equal(bytesToHex(await state.getStorage(address, slot)), "0x2a");
      assert.equal(bytesToHex(await state.getStorage(address, new Uint8Array(32))), "0x");
      // An alloc entry for a dev account replaces its prefunding.
      assert.equal(node.devAccounts[0].address.toLowerCase(), dev0);
      assert.equal((await state.getAccount(createAddressFromString(dev0)))?.balance, 5n);
    } finally {
      await node.stop();
    }
  });
});

describe("parseL1Args", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "nrx-args-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("defaults to the built-in config, a data directory and no automine", () => {
    const options = parseL1Args([]);
    assert.deepEqual(options.config, DEFAULT_L1_CONFIG);
    assert.equal(options.dataDir, ".nrx/l1");
    assert.equal(options.automine, false);
    assert.equal(options.quiet, false);
  });

  it("reads --slot-time in seconds, fractions included", () => {
    assert.equal(parseL1Args(["--slot-time", "0.5"]).config.slotTimeMs, 500);
    assert.equal(parseL1Args(["--slot-time", "2"]).config.slotTimeMs, 2000);
    assert.equal(parseL1Args(["--slot-time=0.05"]).config.slotTimeMs, 50);
    for (const bad of ["0", "0.01", "abc", "-1", "3601"]) {
      assert.throws(() => parseL1Args(["--slot-time", bad]), UsageError, bad);
    }
  });

  it("refuses --memory together with --data-dir", () => {
    assert.throws(() => parseL1Args(["--memory", "--data-dir", "x"]), {
      name: "UsageError",
      message: /--memory and --data-dir exclude each other/,
    });
    assert.equal(parseL1Args(["--memory"]).dataDir, undefined);
    assert.equal(parseL1Args(["--data-dir", "chain"]).dataDir, "chain");
  });

  it("refuses unknown flags, positionals and a flag without its value", () => {
    assert.throws(() => parseL1Args(["--fast"]), UsageError);
    assert.throws(() => parseL1Args(["l1"]), UsageError);
    assert.throws(() => parseL1Args(["--port"]), UsageError);
  });

  it("refuses a --port that is not a port", () => {
    for (const bad of ["abc", "65536", "1.5", "", " ", "0x10", "1e3"]) {
      assert.throws(
        () => parseL1Args([`--port=${bad}`]),
        { name: "UsageError", message: /--port: not a port/ },
        JSON.stringify(bad),
      );
    }
    assert.throws(() => parseL1Args(["--port", "-1"]), UsageError);
    assert.equal(parseL1Args(["--port", "0"]).config.rpc.port, 0);
    assert.equal(parseL1Args(["--port", "30303"]).config.rpc.port, 30303);
  });

  it("loads --config FILE and lets the flags override it, whatever their order", () => {
    const file = join(dir, "devnet.json");
    writeFileSync(
      file,
      JSON.stringify({ chainId: 1337, slotTimeMs: 2000, rpc: { host: "0.0.0.0", port: 9000 } }),
    );
    const fromFile = parseL1Args(["--config", file]);
    assert.equal(fromFile.config.chainId, 1337n);
    assert.equal(fromFile.config.slotTimeMs, 2000);
    assert.deepEqual(fromFile.config.rpc, { host: "0.0.0.0", port: 9000, maxRequestBytes: 16 * 1024 * 1024 });

    for (const args of [
      ["--config", file, "--port", "0", "--slot-time", "0.25", "--automine", "--quiet"],
      ["--port", "0", "--slot-time", "0.25", "--automine", "--quiet", "--config", file],
    ]) {
      const options = parseL1Args(args);
      assert.equal(options.config.chainId, 1337n, "from the file");
      assert.equal(options.config.rpc.host, "0.0.0.0", "from the file");
      assert.equal(options.config.rpc.port, 0, "from --port");
      assert.equal(options.config.slotTimeMs, 250, "from --slot-time");
      assert.equal(options.automine, true);
      assert.equal(options.quiet, true);
    }
    assert.equal(parseL1Args(["--config", file, "--host", "::1"]).config.rpc.host, "::1");
  });

  it("passes a config file's problems on as ConfigError", () => {
    assert.throws(() => parseL1Args(["--config", join(dir, "nope.json")]), {
      name: "ConfigError",
      message: /nope\.json/,
    });
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ execute: { foo: 1 } }));
    assert.throws(() => parseL1Args(["--config", bad]), { name: "ConfigError", field: "config.execute.foo" });
  });
});
