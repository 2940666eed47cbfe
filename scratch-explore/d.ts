import { parseL1Config } from "../src/l1/config.ts";
for (const o of [{ execute: { constructor: 1 } }, { toString: "x" }, JSON.parse('{"__proto__": {"chainId": 5}}'), { rpc: { hasOwnProperty: 1 } }]) {
  try { const c = parseL1Config(o); console.log("accepted", JSON.stringify(o), c.chainId); } catch (e) { console.log("rejected", (e as Error).message); }
}
