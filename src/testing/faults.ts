/**
 * Fault injection for tests: exceptions thrown where no node expects one, from a precompile and
 * from the state backend, in every EVM of this process (a builder's, a witness generator's, a
 * verifier's, the one inside `EXECUTE`) until the returned function takes the fault out again.
 */
import { EVM, type PrecompileInput } from "@ethereumjs/evm";
import type { Address } from "@ethereumjs/util";
import { FailClosedStateManager } from "../stateless/state-manager.ts";

/** The exception an injected fault throws: what a bug or a failing disk would throw. */
export class InjectedFault extends Error {
  override name = "InjectedFault";
}

/**
 * Makes `address` a precompile that throws an `InjectedFault` when called.
 *
 * @example
 * const remove = injectPrecompileFault(createAddressFromString("0x…fa17"));
 * try { await node.mine(); } finally { remove(); }
 */
export function injectPrecompileFault(address: Address): () => void {
  const original = Object.getOwnPropertyDescriptor(EVM.prototype, "getPrecompile")?.value;
  const fault = (_input: PrecompileInput): never => {
    throw new InjectedFault(`precompile ${address} failed`);
  };
  EVM.prototype.getPrecompile = function (this: EVM, at: Address | string) {
    const hex = typeof at === "string" ? at.toLowerCase() : at.toString();
    return hex === address.toString() ? fault : original.call(this, at);
  } as typeof EVM.prototype.getPrecompile;
  return () => {
    EVM.prototype.getPrecompile = original;
  };
}

/**
 * Makes every storage read of `address` throw an `InjectedFault`, as a state backend that fails.
 *
 * @example
 * const remove = injectStorageReadFault(contract);
 */
export function injectStorageReadFault(address: Address): () => void {
  const original = FailClosedStateManager.prototype.getStorage;
  FailClosedStateManager.prototype.getStorage = function (this: FailClosedStateManager, at, key) {
    if (at.equals(address)) return Promise.reject(new InjectedFault(`reading the storage of ${at} failed`));
    return original.call(this, at, key);
  };
  return () => {
    FailClosedStateManager.prototype.getStorage = original;
  };
}
