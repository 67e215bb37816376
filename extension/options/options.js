// The options page: server address, token, "Test connection", host access, the offline queue.
import { testConnection } from "../lib/api.js";
import { setMessage } from "../lib/dom.js";
import { ext } from "../lib/ext.js";
import { loadSettings, saveSettings } from "../lib/settings.js";

const $ = (selector) => document.querySelector(selector);
const ALL_PAGES = { origins: ["<all_urls>"] };

function say(text, ok) {
  const status = $("#connection-status");
  setMessage(status, text);
  status.className = `connection-status ${ok ? "ok" : "bad"}`;
}

async function save() {
  try {
    const stored = await saveSettings({ serverUrl: $("#server-url").value, token: $("#token").value });
    $("#server-url").value = stored.serverUrl;
    return stored;
  } catch (error) {
    say(error.message, false);
    return null;
  }
}

async function checkConnection() {
  say("Testing…", true); // at once, so no earlier answer stays on screen while this one runs
  const settings = await save();
  if (!settings) return;
  const result = await testConnection(settings);
  say(result.message, result.ok);
  if (result.ok) ext.runtime.sendMessage({ type: "drain" }).then(showQueue);
}

// Firefox treats MV3 host permissions as optional: ask for them, and say why, until granted.
async function showPermissions() {
  const granted = await ext.permissions.contains(ALL_PAGES);
  $("#permissions").hidden = granted;
}

async function grant() {
  const granted = await ext.permissions.request(ALL_PAGES);
  $("#permission-status").textContent = granted ? "Thank you: access granted." : "Not granted: papershelf cannot read pages until you allow it.";
  showPermissions();
}

async function showQueue() {
  const { items = [] } = await ext.runtime.sendMessage({ type: "queue" });
  $("#queue-empty").hidden = items.length > 0;
  $("#send-now").hidden = !items.some((item) => item.state === "pending");
  $("#queue-items").replaceChildren(...items.map((item) => {
    const row = document.createElement("li");
    const what = item.count ? `${item.count} papers from a listing` : item.title || item.url || item.path;
    const state = { pending: `waiting (${item.lastError || "not sent yet"})`, listing: "listing: open the popup to choose papers", failed: `not saved: ${item.lastError}` }[item.state];
    row.textContent = `${what} — ${state}`;
    if (item.state === "failed") {
      row.className = "failed";
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link-button";
      remove.textContent = " Remove";
      remove.onclick = async () => { await ext.runtime.sendMessage({ type: "dismiss-queued", id: item.id }); showQueue(); };
      row.append(remove);
    }
    return row;
  }));
}

async function main() {
  const settings = await loadSettings();
  // What the reader already typed while the settings loaded wins.
  $("#server-url").value ||= settings.serverUrl;
  $("#token").value ||= settings.token;
  $("#settings").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await save()) say("Saved.", true);
  });
  $("#test-connection").addEventListener("click", checkConnection);
  $("#show-token").addEventListener("click", () => {
    const field = $("#token");
    field.type = field.type === "password" ? "text" : "password";
    $("#show-token").textContent = field.type === "password" ? "Show" : "Hide";
  });
  $("#grant").addEventListener("click", grant);
  $("#send-now").addEventListener("click", async () => { await ext.runtime.sendMessage({ type: "drain" }); showQueue(); });
  ext.storage.onChanged.addListener((changes, area) => { if (area === "local" && changes.queue) showQueue(); });
  // Firefox lets the reader withdraw host access in about:addons at any time: follow it.
  ext.permissions.onAdded?.addListener(showPermissions);
  ext.permissions.onRemoved?.addListener(showPermissions);
  await Promise.all([showPermissions(), showQueue()]);
  document.body.dataset.ready = "true";
}

main();
