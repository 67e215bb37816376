// The toolbar badge: a check mark on tabs whose paper is already in the library.
import { lookupQuery } from "./paper_ids.js";

export const SAVED_BADGE = { text: "✓", color: "#1a7f37" };
export const TITLES = {
  saved: (paper) => `In your papershelf library: ${paper.citekey ?? paper.title ?? ""}`,
  notSaved: "Save to papershelf (not in your library yet)",
  unknown: "Save to papershelf",
};

/** Return a badge keeper on the browser's `action` API, looking papers up with getClient(). */
export function createBadge({ action, getClient, onServerUp = () => {} }) {
  const inFlight = new Map(); // tabId -> URL being looked up, so event bursts cost one request
  const saves = new Map(); // tabId -> count of saves shown, so a slower lookup cannot undo one

  async function show(tabId, paper) {
    try {
      if (paper) {
        await action.setBadgeBackgroundColor({ tabId, color: SAVED_BADGE.color });
        await action.setBadgeText({ tabId, text: SAVED_BADGE.text });
        await action.setTitle({ tabId, title: TITLES.saved(paper) });
      } else {
        await action.setBadgeText({ tabId, text: "" });
        await action.setTitle({ tabId, title: paper === null ? TITLES.notSaved : TITLES.unknown });
      }
    } catch {
      // The tab closed meanwhile: nothing to show.
    }
  }

  /** Look the tab's URL up (URL, arXiv id, DOI; never the page) and show the answer. */
  async function refresh(tabId, url) {
    const query = lookupQuery(url);
    if (!query) return show(tabId, undefined);
    if (inFlight.get(tabId) === query.url) return undefined;
    inFlight.set(tabId, query.url);
    const savesBefore = saves.get(tabId) ?? 0;
    try {
      const client = await getClient();
      if (client.base === new URL(query.url).origin) return undefined; // the server's own pages
      let response = await client.lookup(query);
      // The server answers an id query by id alone; the page's address may still be known.
      if (!response.data.found && (query.arxiv || query.doi)) response = await client.lookup({ url: query.url });
      onServerUp();
      if ((saves.get(tabId) ?? 0) !== savesBefore) return undefined;
      return show(tabId, response.data.found ? response.data.paper : null);
    } catch {
      return undefined; // no server, no token: the badge stays as it is, quietly
    } finally {
      if (inFlight.get(tabId) === query.url) inFlight.delete(tabId);
    }
  }

  /** Show that the tab's paper was just saved. */
  function markSaved(tabId, paper) {
    saves.set(tabId, (saves.get(tabId) ?? 0) + 1);
    return show(tabId, paper);
  }

  function forget(tabId) {
    inFlight.delete(tabId);
    saves.delete(tabId);
  }

  return { show, markSaved, refresh, forget };
}
