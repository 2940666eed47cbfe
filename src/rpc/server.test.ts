import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import { createPublicClient, http, webSocket } from "viem";
import { WebSocket } from "ws";
import {
  EXECUTION_REVERTED,
  executionReverted,
  handleRpcPayload,
  INTERNAL_ERROR,
  INVALID_INPUT,
  INVALID_PARAMS,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
  type RpcContext,
  RpcError,
  type RpcMethods,
  type RpcServer,
  startRpcServer,
} from "./server.ts";

type Json = Record<string, unknown>;

/** Fake methods; `eth_subscribe` keeps a trigger per subscription so tests can push notifications. */
function fakeMethods() {
  const triggers = new Map<string, (result: unknown) => void>();
  const closedSubscriptions: string[] = [];
  const notified: unknown[][] = [];
  let onSubscriptionClosed: ((id: string) => void) | undefined;
  let nextId = 1;
  const methods: RpcMethods = {
    eth_chainId: () => "0x7a69",
    echo: (params) => params,
    nothing: () => undefined,
    note: (params) => {
      notified.push(params);
    },
    slowEcho: async (params) => {
      await Promise.resolve();
      return params[0];
    },
    fail_rpc: () => {
      throw new RpcError(INVALID_INPUT, "nonce too low", { expected: "0x2" });
    },
    fail_revert: () => {
      throw executionReverted("0x08c379a0", "not the owner");
    },
    fail_plain: async () => {
      throw new Error("disk on fire");
    },
    fail_string: () => {
      throw "just a string";
    },
    bigint_result: () => 1n,
    eth_subscribe: (_params, context: RpcContext) => {
      if (!context.notify || !context.onClose) throw new RpcError(-32601, "subscriptions need a WebSocket");
      const id = `0x${(nextId++).toString(16)}`;
      const notify = context.notify;
      triggers.set(id, (result) => notify(id, result));
      context.onClose(() => {
        triggers.delete(id);
        closedSubscriptions.push(id);
        onSubscriptionClosed?.(id);
      });
      return id;
    },
    eth_unsubscribe: (params) => triggers.delete(String(params[0])),
  };
  return {
    methods,
    triggers,
    closedSubscriptions,
    notified,
    /** Resolves when the subscription's onClose callback has run. */
    subscriptionClosed(id: string): Promise<void> {
      if (closedSubscriptions.includes(id)) return Promise.resolve();
      return new Promise((resolve) => {
        const previous = onSubscriptionClosed;
        onSubscriptionClosed = (closed) => {
          previous?.(closed);
          if (closed === id) resolve();
        };
      });
    },
  };
}

const HTTP: RpcContext = { transport: "http" };

async function call(body: string, methods: RpcMethods, maxBatchSize?: number): Promise<unknown> {
  const response = await handleRpcPayload(body, methods, HTTP, { maxBatchSize });
  return response === undefined ? undefined : JSON.parse(response);
}

function request(id: unknown, method: string, params?: unknown): Json {
  return params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params };
}

function errorCode(response: unknown): number {
  return ((response as Json).error as Json).code as number;
}

describe("handleRpcPayload", () => {
  const { methods, notified } = fakeMethods();

  it("answers a single request, keeping the id as sent", async () => {
    assert.deepEqual(await call(JSON.stringify(request(1, "eth_chainId")), methods), {
      jsonrpc: "2.0",
      id: 1,
      result: "0x7a69",
    });
    assert.deepEqual(await call(JSON.stringify(request("a-b", "echo", [1, "x"])), methods), {
      jsonrpc: "2.0",
      id: "a-b",
      result: [1, "x"],
    });
    // id null is a request (not a notification): it gets an answer with id null.
    assert.deepEqual(await call(JSON.stringify(request(null, "eth_chainId")), methods), {
      jsonrpc: "2.0",
      id: null,
      result: "0x7a69",
    });
    // A handler returning undefined is answered with null; absent params are [].
    assert.deepEqual(await call(JSON.stringify(request(7, "nothing")), methods), {
      jsonrpc: "2.0",
      id: 7,
      result: null,
    });
    assert.deepEqual(await call(JSON.stringify(request(8, "echo")), methods), {
      jsonrpc: "2.0",
      id: 8,
      result: [],
    });
  });

  it("runs notifications without answering them", async () => {
    const before = notified.length;
    assert.equal(
      await handleRpcPayload('{"jsonrpc":"2.0","method":"note","params":[1]}', methods, HTTP),
      undefined,
    );
    const batch = JSON.stringify([
      { jsonrpc: "2.0", method: "note", params: [2] },
      { jsonrpc: "2.0", method: "no_such_method" },
      { jsonrpc: "2.0", method: "fail_plain" },
    ]);
    assert.equal(await handleRpcPayload(batch, methods, HTTP), undefined);
    assert.deepEqual(notified.slice(before), [[1], [2]]);
  });

  it("answers a batch element by element, in order, leaving out notifications", async () => {
    const batch = [
      request(1, "eth_chainId"),
      { jsonrpc: "1.0", id: 2, method: "eth_chainId" },
      { jsonrpc: "2.0", method: "eth_chainId" },
      42,
      request("four", "nope"),
      request(5, "slowEcho", ["late"]),
      [],
    ];
    assert.deepEqual(await call(JSON.stringify(batch), methods), [
      { jsonrpc: "2.0", id: 1, result: "0x7a69" },
      {
        jsonrpc: "2.0",
        id: 2,
        error: { code: INVALID_REQUEST, message: 'invalid request: jsonrpc must be "2.0"' },
      },
      {
        jsonrpc: "2.0",
        id: null,
        error: { code: INVALID_REQUEST, message: "invalid request: expected an object" },
      },
      {
        jsonrpc: "2.0",
        id: "four",
        error: { code: METHOD_NOT_FOUND, message: "the method nope does not exist/is not available" },
      },
      { jsonrpc: "2.0", id: 5, result: "late" },
      {
        jsonrpc: "2.0",
        id: null,
        error: { code: INVALID_REQUEST, message: "invalid request: expected an object" },
      },
    ]);
  });

  it("answers unparseable JSON with PARSE_ERROR and id null", async () => {
    for (const body of ["{", "", "not json", '[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},']) {
      const response = (await call(body, methods)) as Json;
      assert.equal(response.id, null);
      assert.equal(errorCode(response), PARSE_ERROR);
    }
  });

  it("rejects malformed requests with INVALID_REQUEST, and by-name params with INVALID_PARAMS", async () => {
    const invalid: [unknown, unknown][] = [
      [{ id: 1, method: "eth_chainId" }, 1], // no jsonrpc
      [{ jsonrpc: 2, id: 1, method: "eth_chainId" }, 1],
      [{ jsonrpc: "2.0", id: 1 }, 1], // no method
      [{ jsonrpc: "2.0", id: 1, method: 5 }, 1],
      [{ jsonrpc: "2.0", id: 1, method: "echo", params: "x" }, 1],
      [{ jsonrpc: "2.0", id: 1, method: "echo", params: null }, 1],
      [{ jsonrpc: "2.0", id: { a: 1 }, method: "echo" }, null], // an id that is not an id
      [{ jsonrpc: "2.0", id: true, method: "echo" }, null],
      [{ jsonrpc: "2.0", method: 5 }, null], // malformed notifications are answered too
      ["eth_chainId", null],
      [null, null],
    ];
    for (const [body, id] of invalid) {
      const response = (await call(JSON.stringify(body), methods)) as Json;
      assert.equal(errorCode(response), INVALID_REQUEST, JSON.stringify(body));
      assert.equal(response.id, id, JSON.stringify(body));
    }
    const empty = (await call("[]", methods)) as Json;
    assert.equal(Array.isArray(empty), false);
    assert.equal(errorCode(empty), INVALID_REQUEST);

    const byName = (await call(JSON.stringify(request(3, "echo", { a: 1 })), methods)) as Json;
    assert.equal(errorCode(byName), INVALID_PARAMS);
    assert.equal(byName.id, 3);
  });

  it("answers an unknown method with METHOD_NOT_FOUND naming it, never reaching Object.prototype", async () => {
    for (const method of ["eth_nope", "constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const response = (await call(JSON.stringify(request(1, method)), methods)) as Json;
      assert.equal(errorCode(response), METHOD_NOT_FOUND, method);
      assert.match((response.error as Json).message as string, new RegExp(method));
    }
  });

  it("turns handler failures into errors: RpcError as thrown, anything else INTERNAL_ERROR without a stack", async () => {
    assert.deepEqual(await call(JSON.stringify(request(1, "fail_rpc")), methods), {
      jsonrpc: "2.0",
      id: 1,
      error: { code: INVALID_INPUT, message: "nonce too low", data: { expected: "0x2" } },
    });
    assert.deepEqual(await call(JSON.stringify(request(2, "fail_revert")), methods), {
      jsonrpc: "2.0",
      id: 2,
      error: { code: EXECUTION_REVERTED, message: "execution reverted: not the owner", data: "0x08c379a0" },
    });
    assert.deepEqual(await call(JSON.stringify(request(3, "fail_plain")), methods), {
      jsonrpc: "2.0",
      id: 3,
      error: { code: INTERNAL_ERROR, message: "disk on fire" },
    });
    assert.deepEqual(await call(JSON.stringify(request(4, "fail_string")), methods), {
      jsonrpc: "2.0",
      id: 4,
      error: { code: INTERNAL_ERROR, message: "just a string" },
    });
    const bigint = (await call(JSON.stringify(request(5, "bigint_result")), methods)) as Json;
    assert.equal(errorCode(bigint), INTERNAL_ERROR);
  });

  it("answers a batch over maxBatchSize with one INVALID_REQUEST error", async () => {
    const batch = JSON.stringify([
      request(1, "eth_chainId"),
      request(2, "eth_chainId"),
      request(3, "eth_chainId"),
    ]);
    const response = (await call(batch, methods, 2)) as Json;
    assert.equal(Array.isArray(response), false);
    assert.equal(errorCode(response), INVALID_REQUEST);
    assert.match((response.error as Json).message as string, /limit of 2/);
    assert.equal(((await call(batch, methods, 3)) as unknown[]).length, 3);
  });

  it("logs method names and outcomes, never params", async () => {
    const lines: string[] = [];
    await handleRpcPayload(JSON.stringify(request(1, "echo", ["secret-param"])), methods, HTTP, {
      log: (line) => lines.push(line),
    });
    await handleRpcPayload(JSON.stringify(request(2, "fail_rpc")), methods, HTTP, {
      log: () => {
        throw new Error("a broken logger is ignored");
      },
    });
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^http echo ok /);
    assert.doesNotMatch(lines[0], /secret/);
  });
});

type HttpReply = { status: number; headers: Headers; text: string };

async function post(url: string, body: string, contentType = "application/json"): Promise<HttpReply> {
  const response = await fetch(url, { method: "POST", body, headers: { "content-type": contentType } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** A `ws` client that queues what it receives, so tests wait on messages rather than on time. */
class TestClient {
  private readonly queue: unknown[] = [];
  private readonly waiters: ((message: unknown) => void)[] = [];
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const message = JSON.parse(data.toString());
      const waiter = this.waiters.shift();
      if (waiter) waiter(message);
      else this.queue.push(message);
    });
    this.closed = new Promise((resolve) => ws.on("close", (code) => resolve(code)));
  }

  static open(url: string): Promise<TestClient> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new TestClient(ws)));
      ws.once("error", reject);
    });
  }

  next(): Promise<unknown> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async call(payload: unknown): Promise<unknown> {
    this.ws.send(typeof payload === "string" ? payload : JSON.stringify(payload));
    return this.next();
  }
}

describe("startRpcServer", () => {
  const fake = fakeMethods();
  const logLines: string[] = [];
  let server: RpcServer;

  before(async () => {
    server = await startRpcServer({
      port: 0,
      methods: fake.methods,
      maxRequestBytes: 4096,
      maxBatchSize: 5,
      log: (line) => logLines.push(line),
    });
  });
  after(() => server.close());

  /** After every bad input the same server still answers. */
  async function assertStillServing(): Promise<void> {
    const reply = await post(server.url, JSON.stringify(request(99, "eth_chainId")));
    assert.deepEqual(JSON.parse(reply.text), { jsonrpc: "2.0", id: 99, result: "0x7a69" });
  }

  it("listens on 127.0.0.1 with the WebSocket on the same port", () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.wsUrl, server.url.replace("http://", "ws://"));
  });

  it("answers a POST with JSON and CORS headers, whatever the content type", async () => {
    for (const contentType of ["application/json", "text/plain", "application/json; charset=utf-8"]) {
      const reply = await post(server.url, JSON.stringify(request(1, "eth_chainId")), contentType);
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.get("content-type"), "application/json");
      assert.equal(reply.headers.get("access-control-allow-origin"), "*");
      assert.deepEqual(JSON.parse(reply.text), { jsonrpc: "2.0", id: 1, result: "0x7a69" });
    }
    // Any path is served.
    const reply = await post(`${server.url}/rpc`, JSON.stringify(request(2, "eth_chainId")));
    assert.equal(JSON.parse(reply.text).result, "0x7a69");
  });

  it("handles CORS preflight, GET and other HTTP methods", async () => {
    const preflight = await fetch(server.url, {
      method: "OPTIONS",
      headers: {
        origin: "https://wallet.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
    assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
    assert.equal(preflight.headers.get("access-control-allow-headers"), "content-type");

    const get = await fetch(server.url);
    assert.equal(get.status, 200);
    assert.match(await get.text(), /JSON-RPC/);

    const put = await fetch(server.url, { method: "PUT", body: "{}" });
    assert.equal(put.status, 405);
    await put.text();
  });

  it("answers a mixed batch, and a batch of notifications with 204 and no body", async () => {
    const batch = [
      request(1, "eth_chainId"),
      { jsonrpc: "2.0", method: "note", params: [] },
      5,
      request(2, "nope"),
    ];
    const reply = await post(server.url, JSON.stringify(batch));
    assert.equal(reply.status, 200);
    const responses = JSON.parse(reply.text) as Json[];
    assert.deepEqual(
      responses.map((response) => [response.id, response.result ?? errorCode(response)]),
      [
        [1, "0x7a69"],
        [null, INVALID_REQUEST],
        [2, METHOD_NOT_FOUND],
      ],
    );

    const notifications = await post(
      server.url,
      JSON.stringify([{ jsonrpc: "2.0", method: "note", params: [] }]),
    );
    assert.equal(notifications.status, 204);
    assert.equal(notifications.text, "");
    assert.equal(notifications.headers.get("content-type"), null);
  });

  it("answers parse errors and handler errors with status 200 and keeps serving", async () => {
    const parse = await post(server.url, "{oops");
    assert.equal(parse.status, 200);
    assert.deepEqual(JSON.parse(parse.text), {
      jsonrpc: "2.0",
      id: null,
      error: { code: PARSE_ERROR, message: "parse error: the body is not valid JSON" },
    });
    const failed = await post(server.url, JSON.stringify(request(1, "fail_plain")));
    assert.deepEqual(JSON.parse(failed.text).error, { code: INTERNAL_ERROR, message: "disk on fire" });
    await assertStillServing();
  });

  it("rejects an oversize body with 413 and a JSON-RPC error, by Content-Length or counted", async () => {
    const big = JSON.stringify(request(1, "echo", ["x".repeat(8192)]));
    const declared = await post(server.url, big);
    assert.equal(declared.status, 413);
    assert.equal(JSON.parse(declared.text).error.code, INVALID_REQUEST);
    assert.match(JSON.parse(declared.text).error.message, /4096 bytes/);

    // A streamed body has no Content-Length: the server counts and stops at the limit.
    const chunk = new TextEncoder().encode("x".repeat(1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 64) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const counted = await fetch(server.url, { method: "POST", body: stream, duplex: "half" } as RequestInit);
    assert.equal(counted.status, 413);
    assert.equal(((await counted.json()) as { error: { code: number } }).error.code, INVALID_REQUEST);
    assert.ok(logLines.some((line) => line.includes("over 4096 bytes")));
    await assertStillServing();
  });

  it("answers a batch over maxBatchSize with one error", async () => {
    const batch = Array.from({ length: 6 }, (_, i) => request(i, "eth_chainId"));
    const reply = await post(server.url, JSON.stringify(batch));
    assert.equal(reply.status, 200);
    const response = JSON.parse(reply.text);
    assert.equal(Array.isArray(response), false);
    assert.equal(response.error.code, INVALID_REQUEST);
    await assertStillServing();
  });

  it("survives a client that aborts mid-body and malformed HTTP", async () => {
    await new Promise<void>((resolve) => {
      const req = httpRequest(server.url, { method: "POST", headers: { "content-length": "1000" } });
      req.on("error", () => resolve());
      req.on("close", () => resolve());
      // Flush the headers and part of the body, then hang up.
      req.write('{"jsonrpc":"2.0",', () => req.destroy());
    });
    const { connect } = await import("node:net");
    const port = Number(new URL(server.url).port);
    const garbage = await new Promise<string>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => socket.write("NOT HTTP AT ALL\r\n\r\n"));
      let text = "";
      socket.on("data", (data) => {
        text += data.toString();
      });
      socket.on("close", () => resolve(text));
      socket.on("error", () => resolve(text));
    });
    assert.match(garbage, /^HTTP\/1\.1 400/);
    await assertStillServing();
  });

  it("works with viem's http transport, single and batched", async () => {
    const client = createPublicClient({ transport: http(server.url) });
    assert.equal(await client.getChainId(), 31337);
    const batched = createPublicClient({ transport: http(server.url, { batch: true }) });
    const [a, b] = await Promise.all([
      batched.request({ method: "eth_chainId" }),
      batched.request({ method: "eth_chainId" }),
    ]);
    assert.deepEqual([a, b], ["0x7a69", "0x7a69"]);
    await assert.rejects(
      client.request({ method: "fail_rpc" } as never),
      (error: { code?: number; details?: string }) =>
        error.code === INVALID_INPUT && error.details === "nonce too low",
    );
  });

  it("answers WebSocket messages, text or binary, and keeps the socket open after bad input", async () => {
    const client = await TestClient.open(server.wsUrl);
    assert.deepEqual(await client.call(request(1, "eth_chainId")), {
      jsonrpc: "2.0",
      id: 1,
      result: "0x7a69",
    });
    client.ws.send(Buffer.from(JSON.stringify(request(2, "eth_chainId"))), { binary: true });
    assert.deepEqual(await client.next(), { jsonrpc: "2.0", id: 2, result: "0x7a69" });

    assert.equal(errorCode(await client.call("{nope")), PARSE_ERROR);
    assert.equal(errorCode(await client.call(request(3, "fail_plain"))), INTERNAL_ERROR);
    assert.equal(errorCode(await client.call(request(4, "missing"))), METHOD_NOT_FOUND);
    assert.equal(errorCode(await client.call([])), INVALID_REQUEST);
    // A notification gets nothing back: the next answer is for the request after it.
    client.ws.send(JSON.stringify({ jsonrpc: "2.0", method: "note", params: [] }));
    assert.deepEqual(await client.call([request(5, "eth_chainId")]), [
      { jsonrpc: "2.0", id: 5, result: "0x7a69" },
    ]);
    assert.equal(client.ws.readyState, WebSocket.OPEN);
    client.ws.close();
    await client.closed;
  });

  it("pushes subscription notifications and runs onClose callbacks when the client disconnects", async () => {
    const client = await TestClient.open(server.wsUrl);
    const subscribed = (await client.call(request(1, "eth_subscribe", ["newHeads"]))) as Json;
    const id = subscribed.result as string;
    assert.match(id, /^0x/);

    fake.triggers.get(id)!({ number: "0x1" });
    fake.triggers.get(id)!({ number: "0x2" });
    assert.deepEqual(await client.next(), {
      jsonrpc: "2.0",
      method: "eth_subscription",
      params: { subscription: id, result: { number: "0x1" } },
    });
    assert.deepEqual(await client.next(), {
      jsonrpc: "2.0",
      method: "eth_subscription",
      params: { subscription: id, result: { number: "0x2" } },
    });

    const closed = fake.subscriptionClosed(id);
    client.ws.close();
    await closed;
    assert.equal(fake.triggers.has(id), false);

    // Subscriptions need a connection to push to.
    const overHttp = await post(server.url, JSON.stringify(request(2, "eth_subscribe", ["newHeads"])));
    assert.equal(JSON.parse(overHttp.text).error.code, -32601);
  });

  it("closes a WebSocket whose message exceeds maxRequestBytes with 1009, and keeps serving", async () => {
    const client = await TestClient.open(server.wsUrl);
    client.ws.send(JSON.stringify(request(1, "echo", ["x".repeat(8192)])));
    assert.equal(await client.closed, 1009);
    const again = await TestClient.open(server.wsUrl);
    assert.deepEqual(await again.call(request(2, "eth_chainId")), {
      jsonrpc: "2.0",
      id: 2,
      result: "0x7a69",
    });
    again.ws.close();
    await again.closed;
  });

  it("works with viem's webSocket transport, calls and subscriptions", async () => {
    const transport = webSocket(server.wsUrl);
    const client = createPublicClient({ transport });
    try {
      assert.equal(await client.getChainId(), 31337);
      const data = new Promise<unknown>((resolve, reject) => {
        void client.transport
          .subscribe({ params: ["newHeads"], onData: resolve, onError: reject })
          .then(({ subscriptionId }: { subscriptionId: string }) =>
            fake.triggers.get(subscriptionId)!({ n: 1 }),
          );
      });
      assert.deepEqual(((await data) as { result: unknown }).result, { n: 1 });
    } finally {
      (await client.transport.getRpcClient()).close();
    }
  });
});

describe("RpcServer.close", () => {
  it("closes promptly with an idle keep-alive connection and a WebSocket client open", {
    timeout: 5000,
  }, async () => {
    const fake = fakeMethods();
    const server = await startRpcServer({ port: 0, methods: fake.methods });
    // fetch keeps its connection alive after this request.
    await post(server.url, JSON.stringify(request(1, "eth_chainId")));
    const client = await TestClient.open(server.wsUrl);
    const id = ((await client.call(request(1, "eth_subscribe", []))) as Json).result as string;
    const subscriptionClosed = fake.subscriptionClosed(id);
    await server.close();
    await client.closed;
    await subscriptionClosed;
    await server.close(); // idempotent
    await assert.rejects(fetch(server.url));
  });

  it("rejects when the port is taken", async () => {
    const first = await startRpcServer({ port: 0, methods: {} });
    const port = Number(new URL(first.url).port);
    try {
      await assert.rejects(startRpcServer({ port, methods: {} }), { name: "RpcListenError" });
    } finally {
      await first.close();
    }
  });
});
