// The toolbar badge: a check mark on tabs whose paper is already in the library.
import { lookupQuery } from "./paper_ids.js";

export const SAVED_BADGE = { text: "✓", color: "#1a7f37" };
// Tab events come in bursts (loading, title, complete); one lookup per URL is enough.
const REPEAT_MS = 3000;

/** Return a badge keeper on the browser's `action` API, looking papers up with getClient(). */
export function createBadge({ action, getClient, onServerUp = () => {}, now = Date.now }) {
  const lastLookup = new Map();

  async function show(tabId, paper) {
    try {
      if (paper) {
        await action.setBadgeBackgroundColor({ tabId, color: SAVED_BADGE.color });
        await action.setBadgeText({ tabId, text: SAVED_BADGE.text });
        await action.setTitle({ tabId, title: `In your papershelf library: ${paper.citekey ?? paper.title ?? ""}` });
      } else {
        await action.setBadgeText({ tabId, text: "" });
        await action.setTitle({ tabId, title: "Save to papershelf" });
      }
    } catch {
      // The tab closed meanwhile: nothing to show.
    }
  }

  /** Look the tab's URL up (URL, arXiv id, DOI; never the page) and show the answer. */
  async function refresh(tabId, url) {
    const query = lookupQuery(url);
    if (!query) return show(tabId, null);
    const previous = lastLookup.get(tabId);
    if (previous && previous.url === query.url && now() - previous.at < REPEAT_MS) return undefined;
    lastLookup.set(tabId, { url: query.url, at: now() });
    const client = await getClient();
    if (client.base === new URL(query.url).origin) return undefined; // the server's own pages
    try {
      let response = await client.lookup(query);
      // The server answers an id query by id alone; the page's address may still be known.
      if (!response.data.found && (query.arxiv || query.doi)) response = await client.lookup({ url: query.url });
      onServerUp();
      return show(tabId, response.data.found ? response.data.paper : null);
    } catch {
      return undefined; // no server, no token: the badge stays as it is, quietly
    }
  }

  return { show, refresh, forget: (tabId) => lastLookup.delete(tabId) };
}
