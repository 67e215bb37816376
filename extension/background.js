// The background: clips tabs, keeps the offline queue, updates the badge, answers the popup.
import { createClient } from "./lib/api.js";
import { createBadge } from "./lib/badge.js";
import { captureTab } from "./lib/capture.js";
import { ext } from "./lib/ext.js";
import { createHandlers } from "./lib/handlers.js";
import { createRouter } from "./lib/messages.js";
import { createQueue } from "./lib/queue.js";
import { loadSettings } from "./lib/settings.js";

const RETRY_ALARM = "papershelf-retry-queue";
const RETRY_MINUTES = 1;
const MENU_ID = "papershelf-save-page";

const queue = createQueue(ext.storage.local);
const getClient = async () => createClient(await loadSettings());
const badge = createBadge({ action: ext.action, getClient, onServerUp: drainSoon });
const handlers = createHandlers({
  queue, getClient, capture: captureTab,
  tabUrl: async (tabId) => (await ext.tabs.get(tabId)).url,
  onSaved: (tabId, paper) => badge.markSaved(tabId, paper),
  onServerUp: drainSoon,
  onQueued: scheduleRetry,
});
const route = createRouter({ ...handlers, drain: drainNow });

// Retry every minute while clips wait (alarms survive the service worker being stopped).
async function scheduleRetry() {
  if (!(await ext.alarms.get(RETRY_ALARM))) await ext.alarms.create(RETRY_ALARM, { periodInMinutes: RETRY_MINUTES });
}

/** Send what the queue holds; keep the retry alarm only while something waits. */
async function drainNow() {
  const answer = await handlers.drain();
  const waiting = (await queue.read()).some((item) => item.state === "pending");
  if (waiting) await scheduleRetry();
  else await ext.alarms.clear(RETRY_ALARM);
  return { ...answer, waiting };
}

// The server just answered: if clips are waiting, this is the moment to send them.
function drainSoon() {
  queue.read().then((items) => {
    if (items.some((item) => item.state === "pending")) drainNow();
  });
}

async function setUp() {
  await ext.contextMenus.removeAll();
  ext.contextMenus.create({ id: MENU_ID, title: "Save to papershelf", contexts: ["page", "selection", "frame"] });
  await drainNow();
}

ext.runtime.onInstalled.addListener(setUp);
ext.runtime.onStartup.addListener(() => drainNow());

ext.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === RETRY_ALARM) drainNow();
});

ext.tabs.onUpdated.addListener((tabId, change, tab) => {
  // Once per page load, and again when a page changes its address itself (history.pushState).
  if (change.status === "complete" || (change.url && tab.status === "complete")) badge.refresh(tabId, tab.url);
});
ext.tabs.onRemoved.addListener((tabId) => badge.forget(tabId));

ext.contextMenus.onClicked.addListener(async (info, tab) => {
  if (info.menuItemId !== MENU_ID || !tab?.id) return;
  // Open the popup first (it needs the click's user gesture); it asks for the same clip,
  // and the handlers give both the one answer.
  ext.action.openPopup?.().catch(() => {});
  await handlers.clip({ tabId: tab.id });
});

ext.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== ext.runtime.id) return false;
  route(message).then(sendResponse);
  return true; // answer asynchronously
});
