import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError } from "../lib/api.js";
import { QUEUE_KEY, createQueue, summarize } from "../lib/queue.js";
import { MemoryStorage } from "./memory_storage.js";

function numberedIds() {
  let next = 0;
  return () => `clip-${++next}`;
}

function newQueue(storage = new MemoryStorage()) {
  return { storage, queue: createQueue(storage, { newId: numberedIds(), now: () => "2026-11-24T15:00:00Z" }) };
}

const clip = (url) => ({ path: "/api/clip", body: { url, html: "<html></html>", title: url } });

test("added items are kept in storage with an id, in order", async () => {
  const { storage, queue } = newQueue();
  await queue.add(clip("https://a.example/1"), "server down");
  await queue.add({ method: "PATCH", path: "/api/papers/3", body: { note: "n" } });
  assert.deepEqual(storage.data[QUEUE_KEY], [
    { id: "clip-1", method: "POST", path: "/api/clip", body: clip("https://a.example/1").body, queuedAt: "2026-11-24T15:00:00Z", attempts: 0, lastError: "server down", state: "pending" },
    { id: "clip-2", method: "PATCH", path: "/api/papers/3", body: { note: "n" }, queuedAt: "2026-11-24T15:00:00Z", attempts: 0, lastError: "", state: "pending" },
  ]);
});

test("concurrent adds never overwrite each other", async () => {
  const { queue } = newQueue();
  await Promise.all(Array.from({ length: 20 }, (_, i) => queue.add(clip(`https://a.example/${i}`))));
  const urls = (await queue.read()).map((item) => item.body.url);
  assert.equal(new Set(urls).size, 20);
});

test("drain sends each pending item once and removes it only after the server took it", async () => {
  const { queue } = newQueue();
  await queue.add(clip("https://a.example/1"));
  await queue.add(clip("https://a.example/2"));
  const sent = [];
  const report = await queue.drain(async (item) => {
    sent.push(item.body.url);
    return { status: 201, data: { status: "created", paper: { id: sent.length } } };
  });
  assert.deepEqual(sent, ["https://a.example/1", "https://a.example/2"]);
  assert.equal(report.sent.length, 2);
  assert.deepEqual(await queue.read(), []);
});

test("an unreachable server keeps every item, counts the attempt and stops the run", async () => {
  const { queue } = newQueue();
  await queue.add(clip("https://a.example/1"));
  await queue.add(clip("https://a.example/2"));
  let calls = 0;
  const report = await queue.drain(async () => {
    calls += 1;
    throw new ApiError("unreachable", "papershelf is not reachable");
  });
  assert.equal(calls, 1);
  assert.equal(report.stopped.kind, "unreachable");
  const items = await queue.read();
  assert.deepEqual(items.map((item) => [item.id, item.state, item.attempts, item.lastError]), [
    ["clip-1", "pending", 1, "papershelf is not reachable"],
    ["clip-2", "pending", 0, ""],
  ]);
});

test("a page the server rejects is marked failed, kept for the reader, and not retried", async () => {
  const { queue } = newQueue();
  await queue.add(clip("https://a.example/empty"));
  await queue.add(clip("https://a.example/good"));
  await queue.drain(async (item) => {
    if (item.body.url.endsWith("empty")) throw new ApiError("rejected", "no paper found on this page", 422);
    return { status: 201, data: { status: "created", paper: {} } };
  });
  const [failed, ...rest] = await queue.read();
  assert.deepEqual([failed.state, failed.lastError, rest.length], ["failed", "no paper found on this page", 0]);
  let calls = 0;
  await queue.drain(async () => { calls += 1; return { status: 200, data: {} }; });
  assert.equal(calls, 0);
});

test("a queued listing page keeps its candidates until the reader picks", async () => {
  const { queue } = newQueue();
  await queue.add(clip("https://huggingface.co/papers"));
  const candidates = [{ title: "A", in_library: false }, { title: "B", in_library: true }];
  await queue.drain(async () => ({ status: 200, data: { candidates } }));
  const [item] = await queue.read();
  assert.equal(item.state, "listing");
  assert.deepEqual(item.candidates, candidates);
});

test("concurrent drains share one run, so nothing is sent twice", async () => {
  const { queue } = newQueue();
  await queue.add(clip("https://a.example/1"));
  let calls = 0;
  const send = async () => {
    calls += 1;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { status: 201, data: { status: "created", paper: {} } };
  };
  await Promise.all([queue.drain(send), queue.drain(send), queue.drain(send)]);
  assert.equal(calls, 1);
  assert.deepEqual(await queue.read(), []);
});

test("an item added while a drain runs waits for the next drain", async () => {
  const { queue } = newQueue();
  await queue.add(clip("https://a.example/1"));
  const sent = [];
  const send = async (item) => {
    if (item.body.url.endsWith("1")) await queue.add(clip("https://a.example/2"));
    sent.push(item.body.url);
    return { status: 201, data: { status: "created", paper: {} } };
  };
  await queue.drain(send);
  assert.deepEqual((await queue.read()).map((item) => item.body.url), ["https://a.example/2"]);
  await queue.drain(send);
  assert.deepEqual(sent, ["https://a.example/1", "https://a.example/2"]);
  assert.deepEqual(await queue.read(), []);
});

test("update changes one item; summarize leaves the page HTML out", async () => {
  const { queue } = newQueue();
  const item = await queue.add(clip("https://a.example/1"));
  await queue.update(item.id, (old) => ({ ...old, body: { ...old.body, tags: ["nlp"], note: "read" } }));
  const [summary] = summarize(await queue.read());
  assert.equal("body" in summary, false);
  assert.deepEqual([summary.url, summary.tags, summary.note], ["https://a.example/1", ["nlp"], "read"]);
  assert.equal(await queue.remove(item.id), true);
  assert.equal(await queue.remove(item.id), false);
});
