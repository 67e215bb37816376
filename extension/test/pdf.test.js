import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { test } from "node:test";

import { ApiError, createClient } from "../lib/api.js";
import { createHandlers } from "../lib/handlers.js";
import { downloadPdf, MAX_PDF_BYTES, pdfMessage, pdfSource, sniff } from "../lib/pdf.js";
import { createQueue } from "../lib/queue.js";
import { MemoryStorage } from "./memory_storage.js";

// A real PDF written by others (pypdf's test files; see tests/fixtures/pdfs/SOURCES.md).
const PDF = new Uint8Array(readFileSync(new URL("../../tests/fixtures/pdfs/r6-owner-password.pdf", import.meta.url)));
const LOGIN_PAGE = new TextEncoder().encode("<!DOCTYPE html>\n<html><head><title>Sign in | Publisher</title></head></html>");
const ABS = "https://arxiv.org/abs/1706.03762v7";
const PDF_URL = "https://arxiv.org/pdf/1706.03762";

function reply(bytes, { status = 200, type = "application/pdf", length } = {}) {
  let read = false;
  return {
    ok: status >= 200 && status < 300, status,
    headers: new Headers({ "content-type": type, ...(length !== undefined ? { "content-length": String(length) } : {}) }),
    arrayBuffer: async () => { read = true; return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength); },
    wasRead: () => read,
  };
}

test("the first bytes tell a PDF from a web page", () => {
  assert.equal(sniff(PDF), "pdf");
  assert.equal(sniff(LOGIN_PAGE), "html");
  assert.equal(sniff(new TextEncoder().encode("\uFEFF <html>")), "html");
  assert.equal(sniff(new TextEncoder().encode("PK\u0003\u0004zip")), "other");
  assert.equal(sniff(new TextEncoder().encode("plain words"), "text/html; charset=utf-8"), "html");
});

test("the PDF of a clip is the tab when it shows one, else the paper's link", () => {
  const paper = { id: 1, pdf_url: PDF_URL };
  assert.deepEqual(pdfSource({ url: ABS, html: "<html>" }, paper), { url: PDF_URL, guess: false });
  assert.deepEqual(pdfSource({ url: "https://arxiv.org/pdf/1706.03762v7" }, paper), { url: "https://arxiv.org/pdf/1706.03762v7", guess: false });
  assert.deepEqual(pdfSource({ url: "https://openreview.net/pdf?id=BwufLjXbMO" }, {}), { url: "https://openreview.net/pdf?id=BwufLjXbMO", guess: false });
  assert.deepEqual(pdfSource({ url: "https://pub.example/doi/reader/10.1/x" }, {}), { url: "https://pub.example/doi/reader/10.1/x", guess: true });
  assert.equal(pdfSource({ url: ABS, html: "<html>" }, { pdf_url: "javascript:alert(1)" }), null);
});

test("a download uses the reader's session and returns the PDF's bytes", async () => {
  const calls = [];
  const bytes = await downloadPdf(PDF_URL, { fetchImpl: async (url, init) => { calls.push([url, init.credentials]); return reply(PDF); } });
  assert.deepEqual(calls, [[PDF_URL, "include"]]);
  assert.deepEqual(bytes, PDF);
});

test("a download that gives no PDF says why in the reader's words", async () => {
  const cases = [
    [reply(LOGIN_PAGE, { type: "text/html" }), "login-page", "the publisher returned a login page"],
    [reply(LOGIN_PAGE, { type: "application/pdf" }), "login-page", "the publisher returned a login page"],
    [reply(new Uint8Array(), {}), "not-pdf", "arxiv.org sent an empty file"],
    [reply(new TextEncoder().encode("PK\u0003\u0004"), { type: "application/zip" }), "not-pdf", "arxiv.org sent something that is not a PDF"],
    [reply(LOGIN_PAGE, { status: 403, type: "text/html" }), "http", "arxiv.org refused it (HTTP 403): are you signed in?"],
    [reply(LOGIN_PAGE, { status: 500 }), "http", "arxiv.org answered HTTP 500"],
  ];
  for (const [answer, kind, message] of cases) {
    await assert.rejects(downloadPdf(PDF_URL, { fetchImpl: async () => answer }), { name: "PdfError", kind, message });
  }
  await assert.rejects(downloadPdf(PDF_URL, { fetchImpl: async () => { throw new TypeError("Failed to fetch"); } }),
    { kind: "unreachable", message: "could not download it from arxiv.org" });
});

test("a PDF over the limit is refused from its declared length, before it is read", async () => {
  const big = reply(PDF, { length: MAX_PDF_BYTES + 1 });
  await assert.rejects(downloadPdf(PDF_URL, { fetchImpl: async () => big }), { kind: "too-large", message: "it is larger than 200 MB" });
  assert.equal(big.wasRead(), false);
  await assert.rejects(downloadPdf(PDF_URL, { fetchImpl: async () => reply(PDF), limit: 100 }), { kind: "too-large" });
});

test("the popup's line for each PDF outcome", () => {
  assert.equal(pdfMessage({ kind: "pdf-stored", status: "created", file: { pages: 12 } }), "PDF saved (12 pages)");
  assert.equal(pdfMessage({ kind: "pdf-stored", status: "created", file: { pages: 1 } }), "PDF saved (1 page)");
  assert.equal(pdfMessage({ kind: "pdf-stored", status: "unchanged", file: { pages: 4 } }), "PDF already in your library (4 pages)");
  assert.equal(pdfMessage({ kind: "pdf-stored", status: "created", file: { pages: null, text: "encrypted" } }), "PDF saved (encrypted: its text cannot be searched)");
  assert.equal(pdfMessage({ kind: "pdf-failed", reason: "the publisher returned a login page" }), "PDF not saved: the publisher returned a login page");
  assert.match(pdfMessage({ kind: "pdf-queued" }), /^PDF waits in the offline queue/);
  assert.equal(pdfMessage({ kind: "pdf-none" }), null);
});

test("the client PUTs the PDF's bytes as application/pdf with where they came from", async () => {
  const seen = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      seen.push({ method: request.method, url: request.url, type: request.headers["content-type"], auth: request.headers.authorization, body: Buffer.concat(chunks) });
      response.statusCode = 201;
      response.setHeader("Content-Type", "application/json");
      response.end(JSON.stringify({ status: "created", file: { pages: 1 } }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const client = createClient({ serverUrl: `http://127.0.0.1:${server.address().port}`, token: "t" });
    const answer = await client.uploadPdf(7, PDF, PDF_URL);
    assert.deepEqual([answer.status, answer.data.status], [201, "created"]);
    assert.deepEqual(seen.map(({ body, ...rest }) => rest), [{ method: "PUT", url: `/api/papers/7/pdf?url=${encodeURIComponent(PDF_URL)}`, type: "application/pdf", auth: "Bearer t" }]);
    assert.deepEqual(new Uint8Array(seen[0].body), PDF);
  } finally {
    server.close();
  }
});

// The handlers on a real queue, with stand-ins for the server and the publisher.
function setUp({ paper = { id: 5, pdf_url: PDF_URL, files: [] }, upload, download, clip } = {}) {
  const queue = createQueue(new MemoryStorage());
  const uploads = [];
  const downloads = [];
  const sent = [];
  const client = {
    base: "http://127.0.0.1:5178",
    clip: clip ?? (async () => ({ status: 201, data: { status: "created", paper } })),
    uploadPdf: async (id, bytes, source) => {
      uploads.push([id, bytes.length, source]);
      return upload ? upload(id, bytes) : { status: 201, data: { status: "created", file: { kind: "pdf", pages: 1, text: "pending" } } };
    },
    send: async (item) => {
      sent.push({ ...item, bytes: item.bytes?.length });
      return item.path === "/api/clip" ? { status: 201, data: { status: "created", paper } } : { status: 201, data: { status: "created" } };
    },
  };
  const handlers = createHandlers({
    queue, getClient: async () => client,
    tabUrl: async () => ABS,
    capture: async () => ({ url: ABS, title: "Attention", html: "<html></html>" }),
    download: async (url) => { downloads.push(url); return download ? download(url) : PDF; },
  });
  return { handlers, queue, uploads, downloads, sent };
}

test("after a clip the PDF is downloaded and uploaded once, however often the popup asks", async () => {
  const { handlers, uploads, downloads } = setUp();
  const outcome = await handlers.clip({ tabId: 1 });
  assert.equal(outcome.pdf, true);
  const [first, second] = await Promise.all([handlers["pdf-status"]({ id: 5 }), handlers["pdf-status"]({ id: 5 })]);
  assert.deepEqual(first, { kind: "pdf-stored", status: "created", file: { kind: "pdf", pages: 1, text: "pending" } });
  assert.deepEqual(second, first);
  await handlers.clip({ tabId: 1 }); // the context menu, then the popup
  assert.deepEqual(downloads, [PDF_URL]);
  assert.deepEqual(uploads, [[5, PDF.length, PDF_URL]]);
});

test("a paper that has its PDF is not downloaded again", async () => {
  const stored = { kind: "pdf", path: "/h/files/vaswani2017attention.pdf", size: 9, pages: 15, text: "indexed" };
  const { handlers, downloads } = setUp({ paper: { id: 5, pdf_url: PDF_URL, files: [stored] } });
  await handlers.clip({ tabId: 1 });
  assert.deepEqual(await handlers["pdf-status"]({ id: 5 }), { kind: "pdf-stored", status: "unchanged", file: stored });
  assert.deepEqual(downloads, []);
});

test("a login page instead of the PDF is reported and nothing is uploaded or queued", async () => {
  const { handlers, uploads, queue } = setUp({ download: async () => { throw Object.assign(new Error("the publisher returned a login page"), { kind: "login-page" }); } });
  await handlers.clip({ tabId: 1 });
  assert.deepEqual(await handlers["pdf-status"]({ id: 5 }), { kind: "pdf-failed", reason: "the publisher returned a login page" });
  assert.deepEqual([uploads, await queue.read()], [[], []]);
});

test("the server's refusal of the bytes is final and explained", async () => {
  const { handlers, queue } = setUp({ upload: async () => { throw new ApiError("rejected", "the PDF is damaged or incomplete (was the download cut short?)", 422); } });
  await handlers.clip({ tabId: 1 });
  assert.deepEqual(await handlers["pdf-status"]({ id: 5 }), { kind: "pdf-failed", reason: "the PDF is damaged or incomplete (was the download cut short?)" });
  assert.deepEqual(await queue.read(), []);
});

test("server down for the upload: its address waits in the queue once, then is sent once", async () => {
  let down = true;
  const { handlers, queue, sent, downloads } = setUp({
    upload: async () => { if (down) throw new ApiError("unreachable", "papershelf at http://127.0.0.1:5178 is not reachable"); return { status: 201, data: { status: "created" } }; },
  });
  await handlers.clip({ tabId: 1 });
  assert.equal((await handlers["pdf-status"]({ id: 5 })).kind, "pdf-queued");
  const [item] = await queue.read();
  assert.deepEqual([item.kind, item.method, item.path, item.body, item.state], ["pdf", "PUT", "/api/papers/5/pdf", { pdfUrl: PDF_URL }, "pending"]);
  assert.equal((await queue.read()).length, 1);
  down = false;
  const report = await handlers.drain();
  assert.deepEqual([report.sent, report.failed], [1, 0]);
  assert.deepEqual(sent, [{ ...item, path: `/api/papers/5/pdf?url=${encodeURIComponent(PDF_URL)}`, bytes: PDF.length }]);
  assert.deepEqual(downloads, [PDF_URL, PDF_URL]); // fetched again with the session of the moment
  assert.deepEqual(await queue.read(), []);
  assert.deepEqual((await handlers.drain()).sent, 0);
});

test("a clip drained from the queue has its PDF saved after it", async () => {
  const { handlers, queue, uploads } = setUp();
  await queue.add({ path: "/api/clip", body: { url: ABS, html: "<html></html>" } }, "server down");
  await handlers.drain();
  assert.deepEqual(uploads, [[5, PDF.length, PDF_URL]]);
  assert.deepEqual(await queue.read(), []);
});

test("a queued PDF whose download now fails is kept as failed, with the reason", async () => {
  const { handlers, queue } = setUp({ download: async () => { throw new Error("the publisher returned a login page"); } });
  await queue.add({ kind: "pdf", method: "PUT", path: "/api/papers/5/pdf", body: { pdfUrl: PDF_URL } }, "server down");
  const report = await handlers.drain();
  assert.deepEqual([report.sent, report.failed], [0, 1]);
  const [item] = await queue.read();
  assert.deepEqual([item.state, item.lastError], ["failed", "the PDF could not be fetched again: the publisher returned a login page"]);
});

test("a tab that could not be read is tried as a PDF, quietly when it is none", async () => {
  const downloads = [];
  const handlers = createHandlers({
    queue: createQueue(new MemoryStorage()),
    getClient: async () => ({ base: "x", clip: async () => ({ status: 201, data: { status: "created", paper: { id: 8, files: [] } } }) }),
    tabUrl: async () => "https://pub.example/reader/1",
    capture: async () => ({ url: "https://pub.example/reader/1" }), // no HTML: the page was not readable
    download: async (url) => { downloads.push(url); throw new Error("https://pub.example sent something that is not a PDF"); },
  });
  assert.equal((await handlers.clip({ tabId: 2 })).kind, "saved");
  assert.deepEqual(await handlers["pdf-status"]({ id: 8 }), { kind: "pdf-none" });
  assert.deepEqual(downloads, ["https://pub.example/reader/1"]);
});
