/**
 * The ethereumjs VM both witness generation and stateless verification run, so that the two
 * read exactly the same state.
 */
import type { Common } from "@ethereumjs/common";
import { type EVMMockBlockchainInterface, getOpcodesForHF, paramsEVM } from "@ethereumjs/evm";
import type { StateManagerInterface } from "@ethereumjs/common";
import { bytesToBigInt, createAddressFromBigInt } from "@ethereumjs/util";
import { createVM, type VM } from "@ethereumjs/vm";

const EXTCODEHASH = 0x3f;

/**
 * EXTCODEHASH as the protocol defines it: the account's code hash, read from the account alone.
 * ethereumjs also loads the code (for an EOF check that no supported fork activates), which
 * would make a witness carry code that execution does not need.
 */
function extcodehashWithoutCodeRead(common: Common) {
  common.updateParams(paramsEVM); // what the EVM does on creation; the opcode table needs it earlier
  const gasFunction = getOpcodesForHF(common).dynamicGasHandlers.get(EXTCODEHASH);
  return {
    opcode: EXTCODEHASH,
    opcodeName: "EXTCODEHASH",
    baseFee: Number(common.param("extcodehashGas")),
    gasFunction,
    // biome-ignore lint/suspicious/noExplicitAny: ethereumjs' RunState type is internal
    logicFunction: async (runState: any) => {
      const address = createAddressFromBigInt(runState.stack.pop());
      if (common.isActivatedEIP(7928)) {
        runState.interpreter._evm.blockLevelAccessList?.addAddress(address.toString());
      }
      const account = await runState.stateManager.getAccount(address);
      const hash = account === undefined || account.isEmpty() ? 0n : bytesToBigInt(account.codeHash);
      runState.stack.push(hash);
    },
  };
}

export async function createBlockVM(
  common: Common,
  stateManager: StateManagerInterface,
  blockchain: EVMMockBlockchainInterface,
): Promise<VM> {
  if (common.isActivatedEIP(3540)) throw new Error("EOF forks are not supported");
  return createVM({
    common,
    stateManager,
    blockchain,
    evmOpts: { customOpcodes: [extcodehashWithoutCodeRead(common)] },
  });
}
