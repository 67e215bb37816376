import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError } from "../lib/api.js";
import { CaptureError, clipRequest } from "../lib/capture.js";
import { createHandlers, RECENT_MS } from "../lib/handlers.js";
import { byline, checkMessage, clipOutcome, createRouter, papersToSave, parseTags } from "../lib/messages.js";
import { createQueue } from "../lib/queue.js";
import { MemoryStorage } from "./memory_storage.js";

test("malformed messages are refused with a reason", () => {
  assert.equal(checkMessage({ type: "clip", tabId: 4 }), "");
  assert.equal(checkMessage({ type: "clip", tabId: "4" }), 'clip: "tabId" must be a number');
  assert.equal(checkMessage({ type: "save-candidates", papers: {} }), 'save-candidates: "papers" must be a array');
  assert.equal(checkMessage({ type: "update-paper", id: "" }), 'update-paper: "id" must be a paper id');
  assert.equal(checkMessage({ type: "steal-token" }), 'unknown message type "steal-token"');
  assert.equal(checkMessage(null), "a message must be an object");
});

test("the router answers every message, turning thrown errors into error outcomes", async () => {
  const route = createRouter({ tags: async () => { throw new ApiError("unreachable", "down"); }, queue: async () => ({ kind: "queue", items: [] }) });
  assert.deepEqual(await route({ type: "queue" }), { kind: "queue", items: [] });
  assert.equal((await route({ type: "tags" })).errorKind, "unreachable");
  assert.equal((await route({ type: "nope" })).errorKind, "bad-message");
});

test("clip answers become saved or listing outcomes", () => {
  assert.deepEqual(clipOutcome({ status: "unchanged", paper: { id: 1 } }), { kind: "saved", status: "unchanged", paper: { id: 1 } });
  assert.deepEqual(clipOutcome({ candidates: [] }), { kind: "listing", candidates: [] });
  assert.equal(clipOutcome({}).kind, "error");
});

test("a page is sent with its HTML and selection; a PDF or unreadable tab by URL and title alone", () => {
  const tab = { url: "https://arxiv.org/abs/1706.03762v7", title: "tab title" };
  const page = { html: "<html></html>", title: "[1706.03762] Attention", selection: "the abstract", contentType: "text/html" };
  assert.deepEqual(clipRequest(tab, page), { url: tab.url, title: page.title, html: page.html, selection: "the abstract" });
  assert.deepEqual(clipRequest(tab, null), { url: tab.url, title: "tab title" });
  assert.deepEqual(clipRequest({ url: "https://arxiv.org/pdf/1706.03762v7", title: "pdf" }, page), { url: "https://arxiv.org/pdf/1706.03762v7", title: page.title });
  assert.deepEqual(clipRequest(tab, { ...page, contentType: "application/pdf" }), { url: tab.url, title: page.title });
  // A PDF's file name is no title.
  assert.deepEqual(clipRequest({ url: "https://arxiv.org/pdf/1706.03762v7", title: "1706.03762v7.pdf" }, null), { url: "https://arxiv.org/pdf/1706.03762v7" });
  assert.deepEqual(clipRequest({ url: "https://example.org/files/paper", title: "paper" }, null), { url: "https://example.org/files/paper" });
  assert.deepEqual(clipRequest({ url: "https://example.org/files/p.pdf", title: "Deep Learning" }, null), { url: "https://example.org/files/p.pdf", title: "Deep Learning" });
});

test("tags, bylines and picked papers are shaped for the API", () => {
  assert.deepEqual(parseTags(" nlp, transformers  nlp,,"), ["nlp", "transformers"]);
  assert.equal(byline({ authors: ["Ashish Vaswani", "Noam Shazeer"], year: 2017 }), "Ashish Vaswani et al. · 2017");
  assert.equal(byline({ authors: ["Ada Lovelace"], year: null }), "Ada Lovelace");
  assert.deepEqual(papersToSave([{ title: "A", in_library: true, id: 7, tags: ["x"] }], ["y", "x"]), [{ title: "A", tags: ["x", "y"] }]);
});

// The handlers on a real queue, with a client object standing in for the server.
function setUp(client, { now = () => 1000 } = {}) {
  const storage = new MemoryStorage();
  const queue = createQueue(storage);
  const saved = [];
  let captures = 0;
  const handlers = createHandlers({
    queue, now,
    getClient: async () => ({ base: "http://127.0.0.1:5178", ...client }),
    tabUrl: async () => "https://arxiv.org/abs/1706.03762v7",
    capture: async (tabId) => {
      captures += 1;
      if (tabId === 99) throw new CaptureError("Only web pages (http or https) can be saved to papershelf.");
      return { url: "https://arxiv.org/abs/1706.03762v7", title: "Attention", html: "<html></html>" };
    },
    onSaved: (tabId, paper) => saved.push([tabId, paper.id]),
  });
  return { handlers, queue, saved, captures: () => captures };
}

test("a clip that reaches the server is saved, marks the tab, and is not queued", async () => {
  const { handlers, queue, saved } = setUp({ clip: async () => ({ status: 201, data: { status: "created", paper: { id: 5 } } }) });
  const outcome = await handlers.clip({ tabId: 3 });
  assert.deepEqual([outcome.kind, outcome.status, outcome.paper.id], ["saved", "created", 5]);
  assert.deepEqual(saved, [[3, 5]]);
  assert.deepEqual(await queue.read(), []);
});

test("asking twice for the same tab soon after gets the first answer (context menu, then popup)", async () => {
  let time = 1000;
  let posts = 0;
  const { handlers, captures } = setUp({ clip: async () => ({ status: 201, data: { status: posts++ ? "unchanged" : "created", paper: { id: 5 } } }) }, { now: () => time });
  const [first, second] = await Promise.all([handlers.clip({ tabId: 3 }), handlers.clip({ tabId: 3 })]);
  assert.equal(first.status, "created");
  assert.equal(second.status, "created");
  assert.deepEqual([posts, captures()], [1, 1]);
  time += RECENT_MS + 1;
  assert.equal((await handlers.clip({ tabId: 3 })).status, "unchanged");
});

test("an unreachable server queues the clip, and tags typed afterwards travel with it", async () => {
  const { handlers, queue } = setUp({ clip: async () => { throw new ApiError("unreachable", "papershelf at http://127.0.0.1:5178 is not reachable"); } });
  const outcome = await handlers.clip({ tabId: 3 });
  assert.equal(outcome.kind, "queued");
  assert.equal(outcome.waiting, 1);
  assert.match(outcome.reason, /papershelf is not running at http:\/\/127\.0\.0\.1:5178/);
  await handlers["update-queued"]({ id: outcome.id, tags: ["nlp"], note: "later" });
  const [item] = await queue.read();
  assert.deepEqual([item.path, item.body.url, item.body.tags, item.body.note], ["/api/clip", "https://arxiv.org/abs/1706.03762v7", ["nlp"], "later"]);
  // Clipping the same page again later (past the recent-answer window) keeps one queued clip.
  const again = await handlers.clip({ tabId: 4 });
  assert.deepEqual([again.kind, again.id, again.waiting, again.tags, again.note], ["queued", outcome.id, 1, ["nlp"], "later"]);
  assert.equal((await queue.read()).length, 1);
});

test("a page with nothing to save is reported, not queued", async () => {
  const { handlers, queue } = setUp({ clip: async () => { throw new ApiError("rejected", "no paper found on this page", 422); } });
  const outcome = await handlers.clip({ tabId: 3 });
  assert.deepEqual([outcome.kind, outcome.message], ["error", "no paper found on this page"]);
  assert.deepEqual(await queue.read(), []);
  assert.equal((await handlers.clip({ tabId: 99 })).errorKind, "capture");
});

test("picked candidates go out in one request; offline they are queued in place of the listing", async () => {
  const bodies = [];
  let online = true;
  const { handlers, queue } = setUp({
    savePapers: async (papers) => {
      if (!online) throw new ApiError("unreachable", "down");
      bodies.push(papers);
      return { status: 200, data: { results: papers.map((paper) => ({ status: "created", paper })) } };
    },
  });
  const answer = await handlers["save-candidates"]({ papers: [{ title: "A", in_library: false }, { title: "B", in_library: false }], tags: ["daily"] });
  assert.equal(answer.kind, "saved-many");
  assert.deepEqual(bodies, [[{ title: "A", tags: ["daily"] }, { title: "B", tags: ["daily"] }]]);
  online = false;
  const listing = await queue.add({ path: "/api/clip", body: { url: "https://huggingface.co/papers" } });
  const queued = await handlers["save-candidates"]({ papers: [{ title: "C" }], queuedId: listing.id });
  assert.equal(queued.kind, "queued");
  assert.deepEqual((await queue.read()).map((item) => [item.path, item.body]), [["/api/papers", { papers: [{ title: "C", tags: [] }] }]]);
});

test("a PDF of a paper already in the library is recognised by its arXiv id without a clip", async () => {
  const lookups = [];
  const storage = new MemoryStorage();
  const handlers = createHandlers({
    queue: createQueue(storage),
    getClient: async () => ({
      base: "http://127.0.0.1:5178",
      lookup: async (query) => { lookups.push(query); return { status: 200, data: { found: true, paper: { id: 1, citekey: "vaswani2017attention" } } }; },
      clip: async () => assert.fail("a known PDF must not be clipped"),
    }),
    tabUrl: async () => "https://arxiv.org/pdf/1706.03762v7",
    capture: async () => ({ url: "https://arxiv.org/pdf/1706.03762v7" }),
  });
  const outcome = await handlers.clip({ tabId: 8 });
  assert.deepEqual([outcome.kind, outcome.status, outcome.paper.citekey], ["saved", "unchanged", "vaswani2017attention"]);
  assert.deepEqual(lookups, [{ arxiv: "1706.03762" }]);
});
