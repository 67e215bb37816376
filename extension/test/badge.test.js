import assert from "node:assert/strict";
import { test } from "node:test";

import { createBadge, TITLES } from "../lib/badge.js";

// A recording stand-in for the browser's action API.
function recordingAction() {
  const state = {};
  const set = (field) => async ({ tabId, ...value }) => { state[tabId] = { ...state[tabId], [field]: Object.values(value)[0] }; };
  return { state, setBadgeText: set("text"), setBadgeBackgroundColor: set("color"), setTitle: set("title") };
}

function deferred() {
  let resolve;
  const promise = new Promise((done) => { resolve = done; });
  return { promise, resolve };
}

test("a visit looks the paper up by id, then by address, and shows what it found", async () => {
  const action = recordingAction();
  const queries = [];
  const badge = createBadge({
    action,
    getClient: async () => ({
      base: "http://127.0.0.1:5178",
      lookup: async (query) => {
        queries.push(query);
        return { data: query.url && !query.arxiv ? { found: true, paper: { citekey: "vaswani2017attention" } } : { found: false } };
      },
    }),
  });
  await badge.refresh(1, "https://arxiv.org/abs/1706.03762v7");
  assert.deepEqual(queries, [
    { url: "https://arxiv.org/abs/1706.03762v7", arxiv: "1706.03762" },
    { url: "https://arxiv.org/abs/1706.03762v7" },
  ]);
  assert.deepEqual(action.state[1], { color: "#1a7f37", text: "✓", title: TITLES.saved({ citekey: "vaswani2017attention" }) });
});

test("no server means no badge change and no error; the server's own pages are not looked up", async () => {
  const action = recordingAction();
  let lookups = 0;
  const badge = createBadge({
    action,
    getClient: async () => ({ base: "http://127.0.0.1:5178", lookup: async () => { lookups += 1; throw new Error("down"); } }),
  });
  await badge.refresh(2, "https://openreview.net/forum?id=x");
  await badge.refresh(2, "http://127.0.0.1:5178/api/ping");
  assert.equal(lookups, 1);
  assert.equal(action.state[2], undefined);
});

test("a lookup that answers after a save cannot take the saved mark away", async () => {
  const action = recordingAction();
  const answer = deferred();
  const badge = createBadge({ action, getClient: async () => ({ base: "http://127.0.0.1:5178", lookup: () => answer.promise }) });
  const looking = badge.refresh(3, "https://example.org/paper");
  await badge.markSaved(3, { citekey: "doe2024paper" });
  answer.resolve({ data: { found: false } });
  await looking;
  assert.equal(action.state[3].text, "✓");
});
