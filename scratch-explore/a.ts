import { validL2Block } from "../src/l1/testing.ts";
import { parseL1Config } from "../src/l1/config.ts";
import { L1Node } from "../src/l1/node.ts";
import { serveL1 } from "../src/rpc/l1.ts";
import { bytesToHex } from "@ethereumjs/util";
let t = performance.now();
const l2 = await validL2Block();
console.log("l2", l2.bytes.length, l2.gasUsed, (performance.now()-t).toFixed(0));
t = performance.now();
const node = await L1Node.open(parseL1Config({}));
const server = await serveL1(node, { port: 0 });
console.log("node", (performance.now()-t).toFixed(0));
const rpc = async (method: string, params: unknown[]) => (await (await fetch(server.url, {method:"POST", body: JSON.stringify({jsonrpc:"2.0", id:1, method, params})})).json());
const from = node.devAccounts[0].address;
const call = (data: string, extra: object = {}) => rpc("eth_call", [{ from, to: "0x0000000000000000000000000000000000000101", data, value: "0x16345785d8a0000", ...extra }]);
t = performance.now();
for (const d of ["0x", "0x12", "0x9901aa", "0xff00", "0xff0100", bytesToHex(l2.bytes), "0x1101" + bytesToHex(l2.bytes).slice(6), bytesToHex(l2.bytes).slice(0, 1000)]) {
  const r = await call(d);
  console.log(d.slice(0, 10), JSON.stringify(r).slice(0, 300));
}
console.log("calls", (performance.now()-t).toFixed(0));
console.log(JSON.stringify(await call("0xff00", {value: "0x0"})).slice(0,200));
console.log(JSON.stringify(await call(bytesToHex(l2.bytes), {value: "0x1"})).slice(0,300));
console.log(JSON.stringify(await call(bytesToHex(l2.bytes), {gas: "0x30000"})).slice(0,300));
await server.close(); await node.stop();
