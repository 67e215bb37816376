// The offline queue: requests kept in storage until the server takes them (a 2xx answer).
//
// Each item has a client-made id; an item leaves the queue only after the server
// answered 2xx for it, so a crash between sending and removing at worst sends it
// again, which the server's dedupe turns into "unchanged": nothing lost, nothing twice.

import { isRetryable } from "./api.js";

export const QUEUE_KEY = "queue";

/** Return a queue kept in `storage` (a storage.local-like area with get/set). */
export function createQueue(storage, { now = () => new Date().toISOString(), newId = () => crypto.randomUUID() } = {}) {
  let writes = Promise.resolve();
  let draining = null;

  // Serialise read-modify-write cycles so two callers never overwrite each other.
  function mutate(change) {
    const run = writes.then(async () => {
      const items = await read();
      const { items: next, value } = change(items);
      await storage.set({ [QUEUE_KEY]: next });
      return value;
    });
    writes = run.catch(() => {});
    return run;
  }

  async function read() {
    const stored = await storage.get(QUEUE_KEY);
    return Array.isArray(stored[QUEUE_KEY]) ? stored[QUEUE_KEY] : [];
  }

  // A request is sent as it is; an item of kind "pdf" holds the PDF's address (body.pdfUrl),
  // downloaded when it is sent and PUT to path.
  function add({ method = "POST", path, body, kind }, reason = "") {
    const item = { id: newId(), ...(kind ? { kind } : {}), method, path, body, queuedAt: now(), attempts: 0, lastError: reason, state: "pending" };
    return mutate((items) => ({ items: [...items, item], value: item }));
  }

  function update(id, changeItem) {
    return mutate((items) => {
      let found = null;
      const next = items.map((item) => (item.id === id ? (found = changeItem(item)) : item));
      return { items: next, value: found };
    });
  }

  function remove(id) {
    return mutate((items) => ({ items: items.filter((item) => item.id !== id), value: items.some((item) => item.id === id) }));
  }

  /** Send every pending item with send({method, path, body}); keep what fails; concurrent calls share one run. */
  function drain(send) {
    if (!draining) draining = drainOnce(send).finally(() => { draining = null; });
    return draining;
  }

  async function drainOnce(send) {
    const report = { sent: [], failed: [], stopped: null };
    for (const item of await read()) {
      if (item.state !== "pending") continue;
      const outcome = await sendItem(item, send);
      if (outcome.sent) report.sent.push(outcome);
      else if (outcome.final) report.failed.push(outcome);
      else {
        report.stopped = outcome.error;
        break; // the server is down or refuses us: the rest would fail the same way
      }
    }
    return report;
  }

  async function sendItem(item, send) {
    let response;
    try {
      response = await send(item);
    } catch (error) {
      const final = !isRetryable(error);
      await update(item.id, (old) => ({
        ...old, attempts: old.attempts + 1, lastError: error.message, state: final ? "failed" : "pending",
      }));
      return { id: item.id, sent: false, final, error };
    }
    if (Array.isArray(response.data?.candidates)) {
      // A listing page: nothing was stored; keep it until the reader picks papers from it.
      await update(item.id, (old) => ({ ...old, state: "listing", candidates: response.data.candidates, lastError: "" }));
    } else {
      await remove(item.id);
    }
    return { id: item.id, sent: true, item, response };
  }

  return { read, add, update, remove, drain };
}

/** Return the items without page HTML, for showing in the popup and options page. */
export function summarize(items) {
  return items.map(({ body, ...item }) => ({
    ...item,
    url: body?.url ?? body?.pdfUrl ?? "",
    title: body?.title ?? "",
    tags: body?.tags ?? [],
    note: body?.note ?? "",
    count: Array.isArray(body?.papers) ? body.papers.length : undefined,
  }));
}
