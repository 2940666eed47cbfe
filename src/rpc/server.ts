/**
 * The node's JSON-RPC 2.0 transport: HTTP POST and WebSocket on one port, independent of the
 * methods served. Each HTTP body and each WebSocket message goes through `handleRpcPayload`;
 * WebSocket handlers can also push `eth_subscription` notifications to their connection.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import { INVALID_REQUEST } from "./errors.ts";
import { handleRpcPayload, type RpcContext, type RpcMethods, type RpcPayloadOptions } from "./payload.ts";

export * from "./errors.ts";
export {
  DEFAULT_MAX_BATCH_SIZE,
  handleRpcPayload,
  type RpcContext,
  type RpcHandler,
  type RpcMethods,
  type RpcPayloadOptions,
} from "./payload.ts";

import { NrxError } from "../util/errors.ts";

/** 16 MiB: a type-3 transaction with six blobs and their cell proofs is about 1.6 MiB of hex. */
export const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export type RpcServerOptions = {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  methods: RpcMethods;
  /** Largest HTTP body or WebSocket message; default 16 MiB. */
  maxRequestBytes?: number;
  /** Most requests in one batch; default 1000. */
  maxBatchSize?: number;
  /** Receives one line per request and per transport problem; nothing is logged without it. */
  log?: (line: string) => void;
};

export type RpcServer = {
  /** `http://host:port`. */
  url: string;
  /** `ws://host:port`: the same port, any path. */
  wsUrl: string;
  /** Stop listening, drop every connection (WebSocket clients and idle keep-alives) and resolve. */
  close(): Promise<void>;
};

/** Thrown when the server cannot listen (port in use, bad host). */
export class RpcListenError extends NrxError {
  override name = "RpcListenError";
}

const CORS_HEADERS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
  "Access-Control-Max-Age": "86400",
};

/**
 * Serve `methods` over JSON-RPC 2.0 on HTTP and WebSocket, on one port.
 *
 * @example
 * const server = await startRpcServer({ port: 8545, methods: { eth_chainId: () => "0x7a69" } });
 * // curl -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' http://127.0.0.1:8545
 * await server.close();
 */
export async function startRpcServer(options: RpcServerOptions): Promise<RpcServer> {
  const host = options.host ?? "127.0.0.1";
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const log = (line: string) => {
    try {
      options.log?.(line);
    } catch {}
  };
  const payloadOptions: RpcPayloadOptions = { maxBatchSize: options.maxBatchSize, log: options.log };

  const httpServer = createServer((req, res) => {
    serveHttp(req, res, options.methods, maxRequestBytes, payloadOptions, log);
  });
  // Idle keep-alive connections are closed by the client first (undici after 4 s): when a block
  // keeps the event loop busy past Node's 5 s default, the server would close a connection a
  // client is just reusing, and the client would see ECONNRESET.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  // Malformed HTTP: answer 400 where the socket still takes it, never throw.
  httpServer.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code !== "ECONNRESET" && socket.writable) {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    } else {
      socket.destroy();
    }
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxRequestBytes });
  httpServer.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => {}); // the handshake and the WebSocket report failures themselves
    // `ws` answers a request that is not a WebSocket handshake with 400 and closes it.
    wss.handleUpgrade(req, socket, head, (ws) => serveWebSocket(ws, options.methods, payloadOptions, log));
  });

  await listen(httpServer, options.port, host);
  const { port } = httpServer.address() as AddressInfo;
  const authority = `${host.includes(":") ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${authority}`,
    wsUrl: `ws://${authority}`,
    close() {
      closing ??= new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        httpServer.close(() => resolve());
        // Without this, idle keep-alive connections hold `close` open for seconds.
        httpServer.closeAllConnections();
      });
      return closing;
    },
  };
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) =>
      reject(new RpcListenError(`cannot listen on ${host}:${port}: ${error.message}`));
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

function serveHttp(
  req: IncomingMessage,
  res: ServerResponse,
  methods: RpcMethods,
  maxRequestBytes: number,
  payloadOptions: RpcPayloadOptions,
  log: (line: string) => void,
): void {
  // An aborted client or a broken pipe shows up here; the request is simply dropped.
  req.on("error", () => {});
  res.on("error", () => {});
  for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);

  if (req.method === "OPTIONS") {
    // Preflight: allow whatever headers the browser asks for (Content-Type at least).
    res.setHeader(
      "Access-Control-Allow-Headers",
      req.headers["access-control-request-headers"] ?? "Content-Type",
    );
    res.writeHead(204).end();
    return;
  }
  if (req.method === "GET" || req.method === "HEAD") {
    const text = "JSON-RPC 2.0: POST requests to this URL, or open a WebSocket on this port.\n";
    res
      .writeHead(200, { "Content-Type": "text/plain; charset=utf-8" })
      .end(req.method === "GET" ? text : undefined);
    return;
  }
  if (req.method !== "POST") {
    res.writeHead(405, { Allow: "POST, GET, OPTIONS", "Content-Type": "text/plain; charset=utf-8" });
    res.end("method not allowed: use POST\n");
    return;
  }

  // Any Content-Type is accepted: some clients send text/plain to avoid a CORS preflight.
  readBody(req, maxRequestBytes).then(
    async (body) => {
      if (body === undefined) {
        log(`http request body over ${maxRequestBytes} bytes rejected`);
        tooLarge(res, maxRequestBytes);
        return;
      }
      const response = await handleRpcPayload(
        body.toString("utf8"),
        methods,
        { transport: "http" },
        payloadOptions,
      );
      if (res.destroyed) return;
      if (response === undefined) {
        // Notifications only: no content. viem reads an empty body without a JSON type as `{}`.
        res.writeHead(204).end();
        return;
      }
      res.writeHead(200, {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(response),
      });
      res.end(response);
    },
    () => {}, // the client went away mid-body: nobody to answer
  );
}

/** 413 with a JSON-RPC error body (viem turns it into an `RpcRequestError`), then close the connection. */
function tooLarge(res: ServerResponse, maxRequestBytes: number): void {
  if (res.destroyed || res.headersSent) return;
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: null,
    error: { code: INVALID_REQUEST, message: `request body exceeds the limit of ${maxRequestBytes} bytes` },
  });
  // `Connection: close`: the rest of the body is discarded, not read into memory, and the
  // connection cannot be reused after it.
  res.writeHead(413, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
    Connection: "close",
  });
  res.end(body);
}

/**
 * The whole body, or `undefined` as soon as it is known to exceed `maxBytes` (by its
 * Content-Length, or by counting a chunked body) without holding more than `maxBytes`.
 * Rejects if the client aborts.
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (declared > maxBytes) {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off("data", onData);
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("close", () => {
      if (!req.complete) reject(new Error("client aborted the request"));
    });
  });
}

function serveWebSocket(
  ws: WebSocket,
  methods: RpcMethods,
  payloadOptions: RpcPayloadOptions,
  log: (line: string) => void,
): void {
  let closed = false;
  const closeCallbacks: (() => void)[] = [];
  const runSafely = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      log(`ws onClose callback failed: ${error instanceof Error ? error.message : "unknown error"}`);
    }
  };
  // A failed send means the connection is going away; its close event does the cleanup.
  const send = (data: string) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(data, () => {});
  };

  const context: RpcContext = {
    transport: "ws",
    notify(subscription, result) {
      send(JSON.stringify({ jsonrpc: "2.0", method: "eth_subscription", params: { subscription, result } }));
    },
    onClose(fn) {
      if (closed) runSafely(fn);
      else closeCallbacks.push(fn);
    },
  };

  ws.on("message", (data: RawData) => {
    // Binary frames are read as UTF-8 text, like text frames.
    void handleRpcPayload(rawDataToString(data), methods, context, payloadOptions).then((response) => {
      if (response !== undefined) send(response);
    });
  });
  // Protocol errors (a frame over maxPayload: close code 1009) end in a close event.
  ws.on("error", (error) => log(`ws connection error: ${error.message}`));
  ws.on("close", () => {
    closed = true;
    for (const fn of closeCallbacks.splice(0)) runSafely(fn);
  });
}

function rawDataToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}
