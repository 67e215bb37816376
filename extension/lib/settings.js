// The extension's settings, kept in storage.local under `serverUrl` and `token`.
import { ext } from "./ext.js";

export const DEFAULT_SERVER_URL = "http://127.0.0.1:5178";

/** Return a clean server URL ("http://host:port") from what the reader typed; throw on nonsense. */
export function normalizeServerUrl(input) {
  let text = String(input ?? "").trim();
  if (!text) return DEFAULT_SERVER_URL;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `http://${text}`;
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${input}" is not a server address; use something like ${DEFAULT_SERVER_URL}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`the server address must start with http://, not ${url.protocol}//`);
  }
  return `${url.protocol}//${url.host}`;
}

/** Return {serverUrl, token} from extension storage, with the default server URL. */
export async function loadSettings(storage = ext.storage.local) {
  const stored = await storage.get(["serverUrl", "token"]);
  return {
    serverUrl: stored.serverUrl || DEFAULT_SERVER_URL,
    token: (stored.token || "").trim(),
  };
}

/** Store the settings after cleaning them; return what was stored. */
export async function saveSettings({ serverUrl, token }, storage = ext.storage.local) {
  const settings = { serverUrl: normalizeServerUrl(serverUrl), token: String(token ?? "").trim() };
  await storage.set(settings);
  return settings;
}
