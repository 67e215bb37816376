import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";

import { ApiError, createClient, isRetryable, parseServerTiming, testConnection } from "../lib/api.js";
import { normalizeServerUrl } from "../lib/settings.js";

// Local HTTP servers on 127.0.0.1: one speaks the papershelf ping/token protocol, one is some other web app.
const TOKEN = "s3cret";
let papershelf;
let otherApp;
let closedPort;
const seen = [];

function listen(handler) {
  return new Promise((resolve) => {
    const server = createServer(handler);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}
const urlOf = (server) => `http://127.0.0.1:${server.address().port}`;

before(async () => {
  papershelf = await listen((request, response) => {
    seen.push({ method: request.method, url: request.url, auth: request.headers.authorization, type: request.headers["content-type"] });
    response.setHeader("Content-Type", "application/json");
    if (request.url === "/api/ping") return response.end(JSON.stringify({ app: "papershelf", version: "0.1.0" }));
    if (request.headers.authorization !== `Bearer ${TOKEN}`) {
      response.statusCode = 401;
      return response.end(JSON.stringify({ error: "missing or wrong token" }));
    }
    if (request.url === "/api/tags") return response.end(JSON.stringify({ tags: [{ tag: "nlp", papers: 2 }] }));
    response.statusCode = 422;
    return response.end(JSON.stringify({ error: "no paper found on this page" }));
  });
  otherApp = await listen((request, response) => {
    response.setHeader("Content-Type", "text/html");
    response.end("<!doctype html><title>Some other app</title>");
  });
  const spare = await listen(() => {});
  closedPort = urlOf(spare);
  await new Promise((resolve) => spare.close(resolve));
});

after(() => {
  papershelf.close();
  otherApp.close();
});

test("requests carry the bearer token and JSON bodies", async () => {
  const client = createClient({ serverUrl: urlOf(papershelf), token: TOKEN });
  const answer = await client.tags();
  assert.deepEqual(answer, { status: 200, data: { tags: [{ tag: "nlp", papers: 2 }] } });
  await assert.rejects(client.clip({ url: "https://example.org/" }), (error) => error.kind === "rejected" && error.status === 422 && error.message === "no paper found on this page");
  assert.deepEqual(seen.slice(-2).map(({ method, url, auth, type }) => [method, url, auth, type]), [
    ["GET", "/api/tags", `Bearer ${TOKEN}`, undefined],
    ["POST", "/api/clip", `Bearer ${TOKEN}`, "application/json"],
  ]);
});

test("each failure has a kind, and only the lasting ones are final", async () => {
  const kinds = async (settings) => {
    try {
      await createClient(settings).tags();
      return "ok";
    } catch (error) {
      return error.kind;
    }
  };
  assert.equal(await kinds({ serverUrl: closedPort, token: TOKEN }), "unreachable");
  assert.equal(await kinds({ serverUrl: urlOf(otherApp), token: TOKEN }), "not-papershelf");
  assert.equal(await kinds({ serverUrl: urlOf(papershelf), token: "wrong" }), "unauthorized");
  assert.equal(await kinds({ serverUrl: urlOf(papershelf), token: "" }), "not-configured");
  assert.equal(isRetryable(new ApiError("unreachable", "")), true);
  assert.equal(isRetryable(new ApiError("unauthorized", "")), true);
  assert.equal(isRetryable(new ApiError("rejected", "", 422)), false);
});

test("Test connection explains each failure in words the reader can act on", async () => {
  const check = (serverUrl, token) => testConnection({ serverUrl, token });
  const ok = await check(urlOf(papershelf), TOKEN);
  assert.deepEqual([ok.ok, ok.message], [true, `Connected to papershelf 0.1.0 at ${urlOf(papershelf)}: the token works.`]);
  assert.match((await check(closedPort, TOKEN)).message, /^papershelf is not running at http:\/\/127\.0\.0\.1:\d+\. Start it with `papershelf serve`/);
  assert.match((await check(urlOf(otherApp), TOKEN)).message, /but it is not papershelf\. Check the port/);
  assert.match((await check(urlOf(papershelf), "wrong")).message, /refused the token\. Run `papershelf token`/);
  assert.match((await check(urlOf(papershelf), "")).message, /^No token yet/);
});

test("server addresses are cleaned, defaulted and checked", () => {
  assert.equal(normalizeServerUrl(" 127.0.0.1:5178/ "), "http://127.0.0.1:5178");
  assert.equal(normalizeServerUrl("http://localhost:5180/api"), "http://localhost:5180");
  assert.equal(normalizeServerUrl(""), "http://127.0.0.1:5178");
  assert.throws(() => normalizeServerUrl("ftp://127.0.0.1"), /must start with http/);
  assert.throws(() => normalizeServerUrl("http://"), /is not a server address/);
});

test("Server-Timing durations are read by name, other metrics and parameters ignored", () => {
  assert.deepEqual(parseServerTiming("extract;dur=12.5, store;desc=\"db\";dur=3, total;dur=20.25, cache;desc=hit"),
    { extract: 12.5, store: 3, total: 20.25 });
  assert.equal(parseServerTiming(""), null);
  assert.equal(parseServerTiming(null), null);
  assert.equal(parseServerTiming("miss"), null);
});

test("a clip's answer carries the server's timings when it sends them", async () => {
  const timed = await listen((request, response) => {
    response.setHeader("Content-Type", "application/json");
    response.setHeader("Server-Timing", "extract;dur=7.5, store;dur=1.2");
    response.statusCode = 201;
    response.end(JSON.stringify({ status: "created", paper: { id: 1 } }));
  });
  try {
    const answer = await createClient({ serverUrl: urlOf(timed), token: TOKEN }).clip({ url: "https://arxiv.org/abs/1706.03762" });
    assert.deepEqual(answer, { status: 201, data: { status: "created", paper: { id: 1 } }, timing: { extract: 7.5, store: 1.2 } });
  } finally {
    timed.close();
  }
});
