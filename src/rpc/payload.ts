/**
 * JSON-RPC 2.0 processing of one request body, independent of the transport: parse, validate,
 * dispatch to a handler, serialise. HTTP and WebSocket both hand each body to `handleRpcPayload`.
 */
import {
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
  type RpcErrorObject,
  toRpcErrorObject,
} from "./errors.ts";

/** What a handler learns about the connection its request came on. */
export type RpcContext = {
  transport: "http" | "ws";
  /**
   * WebSocket only: push an `eth_subscription` notification
   * `{jsonrpc, method: "eth_subscription", params: {subscription, result}}` to this connection.
   * A no-op once the connection is closed.
   */
  notify?: (subscription: string, result: unknown) => void;
  /** WebSocket only: run fn when the connection closes (at once if it already has), to drop its subscriptions. */
  onClose?: (fn: () => void) => void;
};

/** A method: by-position params in, a JSON value (no bigint) out; `undefined` is sent as `null`. */
export type RpcHandler = (params: unknown[], context: RpcContext) => unknown | Promise<unknown>;
export type RpcMethods = Record<string, RpcHandler>;

export type RpcPayloadOptions = {
  /** Most requests in one batch; a larger batch is answered with one `INVALID_REQUEST` error. Default 1000. */
  maxBatchSize?: number;
  /** Receives one line per request (method, outcome, time); never params. */
  log?: (line: string) => void;
};

export const DEFAULT_MAX_BATCH_SIZE = 1000;

type RpcId = string | number | null;

/** Longest method name quoted back in a message or a log line. */
const MAX_QUOTED_NAME = 100;

/**
 * Handle one already-read request body: a single request or a batch. Returns the response body,
 * or `undefined` when the input held only notifications (requests without `id`), which get no
 * response. Never rejects: every failure is a JSON-RPC error in the returned body.
 *
 * @example
 * const methods = { eth_chainId: () => "0x7a69" };
 * await handleRpcPayload('{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}', methods, { transport: "http" });
 * // '{"jsonrpc":"2.0","id":1,"result":"0x7a69"}'
 */
export async function handleRpcPayload(
  body: string,
  methods: RpcMethods,
  context: RpcContext,
  options: RpcPayloadOptions = {},
): Promise<string | undefined> {
  let payload: unknown;
  try {
    // A leading byte-order mark is not JSON, but some clients send one.
    payload = JSON.parse(body.charCodeAt(0) === 0xfeff ? body.slice(1) : body);
  } catch {
    return errorResponse(null, { code: PARSE_ERROR, message: "parse error: the body is not valid JSON" });
  }
  if (!Array.isArray(payload)) return handleRequest(payload, methods, context, options.log);

  if (payload.length === 0) {
    return errorResponse(null, { code: INVALID_REQUEST, message: "invalid request: empty batch" });
  }
  const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  if (payload.length > maxBatchSize) {
    return errorResponse(null, {
      code: INVALID_REQUEST,
      message: `invalid request: batch of ${payload.length} requests exceeds the limit of ${maxBatchSize}`,
    });
  }
  // One after another, in order, as geth does: a batch may send a transaction and then read state.
  const responses: string[] = [];
  for (const request of payload) {
    const response = await handleRequest(request, methods, context, options.log);
    if (response !== undefined) responses.push(response);
  }
  return responses.length === 0 ? undefined : `[${responses.join(",")}]`;
}

/** One request object (alone or a batch element) to its serialised response, if it gets one. */
async function handleRequest(
  request: unknown,
  methods: RpcMethods,
  context: RpcContext,
  log: RpcPayloadOptions["log"],
): Promise<string | undefined> {
  if (!isObject(request) || Array.isArray(request)) {
    return errorResponse(null, { code: INVALID_REQUEST, message: "invalid request: expected an object" });
  }
  // A request without `id` is a notification. Malformed requests are answered even then, with
  // `id` null, since their id cannot be trusted (JSON-RPC 2.0 §5).
  const isNotification = !Object.hasOwn(request, "id");
  const id = request.id;
  if (!isNotification && !isRpcId(id)) {
    return errorResponse(null, {
      code: INVALID_REQUEST,
      message: "invalid request: id must be a string, a number or null",
    });
  }
  const responseId: RpcId = isNotification ? null : (id as RpcId);
  if (request.jsonrpc !== "2.0") {
    return errorResponse(responseId, {
      code: INVALID_REQUEST,
      message: 'invalid request: jsonrpc must be "2.0"',
    });
  }
  const method = request.method;
  if (typeof method !== "string") {
    return errorResponse(responseId, {
      code: INVALID_REQUEST,
      message: "invalid request: method must be a string",
    });
  }
  const params = request.params;
  if (params !== undefined && !isObject(params)) {
    return errorResponse(responseId, {
      code: INVALID_REQUEST,
      message: "invalid request: params must be an array",
    });
  }

  const started = performance.now();
  let outcome: RpcErrorObject | { result: unknown };
  if (params !== undefined && !Array.isArray(params)) {
    // By-name params are valid JSON-RPC, but every Ethereum method takes them by position.
    outcome = { code: INVALID_PARAMS, message: "invalid params: expected an array of by-position params" };
  } else if (!Object.hasOwn(methods, method)) {
    // `hasOwn`, so that "constructor" or "__proto__" never reach Object.prototype.
    outcome = {
      code: METHOD_NOT_FOUND,
      message: `the method ${quote(method)} does not exist/is not available`,
    };
  } else {
    try {
      outcome = { result: await methods[method](params ?? [], context) };
    } catch (error) {
      outcome = toRpcErrorObject(error);
    }
  }
  const status = "result" in outcome ? "ok" : `error ${outcome.code}`;
  const elapsed = (performance.now() - started).toFixed(1);
  writeLog(log, `${context.transport} ${quote(method)} ${status} ${elapsed}ms`);

  if (isNotification) return undefined;
  return "result" in outcome
    ? resultResponse(responseId, method, outcome.result)
    : errorResponse(responseId, outcome);
}

function resultResponse(id: RpcId, method: string, result: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(result ?? null);
  } catch (error) {
    const reason = error instanceof Error ? `: ${error.message}` : "";
    return errorResponse(id, {
      code: INTERNAL_ERROR,
      message: `${quote(method)} returned a value that is not JSON${reason}`,
    });
  }
  // `JSON.stringify` gives undefined for a function or a symbol, which would drop `result`.
  if (json === undefined) {
    return errorResponse(id, {
      code: INTERNAL_ERROR,
      message: `${quote(method)} returned a value that is not JSON`,
    });
  }
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${json}}`;
}

function errorResponse(id: RpcId, error: RpcErrorObject): string {
  try {
    return JSON.stringify({ jsonrpc: "2.0", id, error });
  } catch {
    // The handler's `data` is not serialisable (a bigint, a cycle): keep code and message.
    return JSON.stringify({ jsonrpc: "2.0", id, error: { code: error.code, message: error.message } });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isRpcId(value: unknown): value is RpcId {
  return value === null || typeof value === "string" || typeof value === "number";
}

/** A client-chosen method name made safe to echo and to log: printable ASCII, bounded length. */
function quote(name: string): string {
  const printable = name.replace(/[^ -~]/g, "?");
  return printable.length > MAX_QUOTED_NAME ? `${printable.slice(0, MAX_QUOTED_NAME)}…` : printable;
}

/** A throwing logger must not turn a served request into a failed one. */
function writeLog(log: RpcPayloadOptions["log"], line: string): void {
  try {
    log?.(line);
  } catch {}
}
