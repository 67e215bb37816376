import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";

import { createClient } from "../lib/api.js";
import { createHandlers } from "../lib/handlers.js";
import { checkMessage, createRouter } from "../lib/messages.js";
import { createQueue } from "../lib/queue.js";
import { MemoryStorage } from "./memory_storage.js";

// A local server that answers GET /api/papers/<id>/cite as papershelf does.
const TOKEN = "s3cret";
const seen = [];
let server;
let base;

before(async () => {
  server = createServer((request, response) => {
    seen.push({ url: request.url, auth: request.headers.authorization });
    response.setHeader("Content-Type", "application/json");
    const url = new URL(request.url, "http://127.0.0.1");
    const match = url.pathname.match(/^\/api\/papers\/(\d+)\/cite$/);
    const style = url.searchParams.get("style");
    if (!match || match[1] !== "7") {
      response.statusCode = 404;
      return response.end(JSON.stringify({ error: "no paper with id 8" }));
    }
    if (style !== "apa" && style !== "ieee") {
      response.statusCode = 422;
      return response.end(JSON.stringify({ error: `unknown citation style '${style}'` }));
    }
    return response.end(JSON.stringify({ citekey: "vaswani2017attention", style, text: `Vaswani, A. (2017) in ${style}`, html: "" }));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => server.close());

function handlers() {
  return createHandlers({
    queue: createQueue(new MemoryStorage()),
    getClient: async () => createClient({ serverUrl: base, token: TOKEN }),
    tabUrl: async () => "",
    capture: async () => ({}),
  });
}

test("the popup's Copy reference asks the server for the paper in the chosen style", async () => {
  const route = createRouter(handlers());
  const answer = await route({ type: "cite-paper", id: 7, style: "ieee" });
  assert.deepEqual(answer, { kind: "reference", style: "ieee", text: "Vaswani, A. (2017) in ieee" });
  assert.deepEqual(seen.at(-1), { url: "/api/papers/7/cite?style=ieee", auth: `Bearer ${TOKEN}` });
});

test("a style the server does not know, or a paper it lacks, is explained, not copied", async () => {
  const route = createRouter(handlers());
  const badStyle = await route({ type: "cite-paper", id: 7, style: "no such&style" });
  assert.equal(seen.at(-1).url, "/api/papers/7/cite?style=no+such%26style");
  assert.deepEqual([badStyle.kind, badStyle.errorKind], ["error", "rejected"]);
  assert.match(badStyle.message, /unknown citation style 'no such&style'/);
  const gone = await route({ type: "cite-paper", id: 8, style: "apa" });
  assert.deepEqual([gone.kind, gone.errorKind], ["error", "rejected"]);
});

test("cite-paper messages need a paper id and a style", () => {
  assert.equal(checkMessage({ type: "cite-paper", id: 7, style: "apa" }), "");
  assert.equal(checkMessage({ type: "cite-paper", id: 7 }), 'cite-paper: "style" must be a string');
  assert.equal(checkMessage({ type: "cite-paper", style: "apa" }), 'cite-paper: "id" must be a paper id');
});
