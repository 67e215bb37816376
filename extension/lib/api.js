// The papershelf HTTP API client, with failures sorted into kinds the UI can explain.

export const TIMEOUT_MS = { quick: 5000, clip: 60000, upload: 300000 };

/** An API failure; `kind` says what went wrong in terms the reader can act on. */
export class ApiError extends Error {
  constructor(kind, message, status = 0) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.status = status;
  }
}

// A clip that failed for one of these reasons is worth keeping and sending again later.
const RETRYABLE_KINDS = new Set(["not-configured", "unreachable", "unauthorized", "forbidden", "server", "not-papershelf"]);

/** Return true when a failed request should be queued and retried rather than reported as final. */
export function isRetryable(error) {
  return error instanceof ApiError ? RETRYABLE_KINDS.has(error.kind) : true;
}

/** Return the ApiError kind for an HTTP error status. */
export function kindForStatus(status) {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status >= 500) return "server";
  return "rejected";
}

/** Return a client for the server in `settings` ({serverUrl, token}). */
export function createClient(settings, fetchImpl = globalThis.fetch.bind(globalThis)) {
  const base = settings.serverUrl.replace(/\/+$/, "");

  // body: sent as JSON; bytes (with contentType): sent as they are (a PDF).
  async function request(method, path, { body, bytes, contentType, auth = true, timeout = TIMEOUT_MS.quick } = {}) {
    if (auth && !settings.token) {
      throw new ApiError("not-configured", "No API token set: paste the output of `papershelf token` in the extension's options");
    }
    const headers = { Accept: "application/json" };
    if (auth) headers.Authorization = `Bearer ${settings.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (bytes !== undefined) headers["Content-Type"] = contentType;
    let response;
    try {
      response = await fetchImpl(`${base}${path}`, {
        method, headers, body: bytes ?? (body === undefined ? undefined : JSON.stringify(body)),
        signal: AbortSignal.timeout(timeout), credentials: "omit", cache: "no-store",
      });
    } catch (error) {
      const why = error?.name === "TimeoutError" ? "did not answer in time" : "is not reachable";
      throw new ApiError("unreachable", `papershelf at ${base} ${why}`);
    }
    return readResponse(response, base);
  }

  return {
    base,
    ping: () => request("GET", "/api/ping", { auth: false }),
    clip: (clip) => request("POST", "/api/clip", { body: clip, timeout: TIMEOUT_MS.clip }),
    // A queued item: JSON, or the bytes of a PDF (PUT .../pdf).
    send: ({ method, path, body, bytes }) => request(method, path, bytes === undefined
      ? { body, timeout: TIMEOUT_MS.clip }
      : { bytes, contentType: "application/pdf", timeout: TIMEOUT_MS.upload }),
    savePapers: (papers) => request("POST", "/api/papers", { body: { papers }, timeout: TIMEOUT_MS.clip }),
    lookup: (query) => request("GET", `/api/papers/lookup?${new URLSearchParams(query)}`),
    getPaper: (id) => request("GET", `/api/papers/${encodeURIComponent(id)}`),
    updatePaper: (id, changes) => request("PATCH", `/api/papers/${encodeURIComponent(id)}`, { body: changes }),
    uploadPdf: (id, bytes, source) => request("PUT", `/api/papers/${encodeURIComponent(id)}/pdf${source ? `?${new URLSearchParams({ url: source })}` : ""}`, {
      bytes, contentType: "application/pdf", timeout: TIMEOUT_MS.upload,
    }),
    cite: (id, style) => request("GET", `/api/papers/${encodeURIComponent(id)}/cite?${new URLSearchParams({ style })}`),
    tags: () => request("GET", "/api/tags"),
  };
}

async function readResponse(response, base) {
  let data;
  try {
    data = await response.json();
  } catch {
    data = undefined;
  }
  if (data === undefined || data === null || typeof data !== "object") {
    throw new ApiError("not-papershelf", `${base} answered, but not like papershelf: check the port (default 5178)`, response.status);
  }
  if (!response.ok) {
    const reason = typeof data.error === "string" ? data.error : `HTTP ${response.status}`;
    throw new ApiError(kindForStatus(response.status), reason, response.status);
  }
  const timing = parseServerTiming(response.headers?.get?.("Server-Timing"));
  return { status: response.status, data, ...(timing ? { timing } : {}) };
}

/** Return {name: milliseconds} from a Server-Timing header ("extract;dur=12.3, store;dur=4"), or null. */
export function parseServerTiming(header) {
  if (!header) return null;
  const timing = {};
  for (const metric of header.split(",")) {
    const [name, ...params] = metric.split(";").map((part) => part.trim());
    const duration = params.map((param) => /^dur=([0-9.]+)$/.exec(param)).find(Boolean);
    if (name && duration) timing[name] = Number(duration[1]);
  }
  return Object.keys(timing).length ? timing : null;
}

/** Check a server URL and token; return {ok, message} with a plain explanation of any failure. */
export async function testConnection(settings, fetchImpl) {
  const client = createClient(settings, fetchImpl);
  try {
    const ping = await client.ping();
    if (ping.data.app !== "papershelf") {
      return { ok: false, kind: "not-papershelf", message: `Something answers at ${client.base}, but it is not papershelf. Check the port: papershelf serve uses 5178 unless told otherwise.` };
    }
    await client.tags(); // proves the token
    return { ok: true, kind: "ok", message: `Connected to papershelf ${ping.data.version ?? ""} at ${client.base}: the token works.`.replace("  ", " ") };
  } catch (error) {
    return { ok: false, kind: error.kind ?? "unknown", message: explainFailure(error, client.base) };
  }
}

/** Return one sentence telling the reader what a failed request means and what to do. */
export function explainFailure(error, base) {
  switch (error?.kind) {
    case "not-configured":
      return "No token yet. Run `papershelf token` in a terminal and paste what it prints into the options page.";
    case "unreachable":
      return `papershelf is not running at ${base}. Start it with \`papershelf serve\` (or fix the server address).`;
    case "not-papershelf":
      return `Something answers at ${base}, but it is not papershelf. Check the port: papershelf serve uses 5178 unless told otherwise.`;
    case "unauthorized":
      return "The server refused the token. Run `papershelf token` and paste its output into the options page.";
    case "forbidden":
      return `The server refused this request (${error.message}). Use the address 127.0.0.1 or localhost with the port papershelf prints.`;
    case "server":
      return `papershelf had an internal error (${error.message}). Check the terminal running \`papershelf serve\`.`;
    default:
      return error?.message || "Something went wrong.";
  }
}
