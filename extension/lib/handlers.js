// What the background does for each message: clip a tab, save its PDF, save picked papers, edit, queue.
import { ApiError, isRetryable } from "./api.js";
import { CaptureError } from "./capture.js";
import { clipOutcome, errorOutcome, papersToSave } from "./messages.js";
import { lookupQuery } from "./paper_ids.js";
import { downloadPdf, pdfSource, storedPdf } from "./pdf.js";
import { summarize } from "./queue.js";

// A second request for the same tab and URL within this time gets the first one's answer
// (the context menu clips, then opens the popup, which asks again).
export const RECENT_MS = 15000;

/**
 * Return the message handlers, built on injected parts:
 * queue (queue.js), getClient() (api.js client for the current settings),
 * tabUrl(tabId), capture(tabId) (capture.js), onSaved(tabId, paper), onServerUp(), onQueued(),
 * download(url) (pdf.js downloadPdf: the PDF's bytes, fetched with the reader's session).
 */
export function createHandlers({
  queue, getClient, tabUrl, capture, onSaved = () => {}, onServerUp = () => {}, onQueued = () => {}, now = Date.now,
  download = downloadPdf,
}) {
  const recent = new Map();
  // Paper id -> {settled, outcome (a promise)} of its latest PDF job: one download per paper
  // at a time, whoever asks; the next clip after it ended tries again (signed in since?).
  const pdfJobs = new Map();

  async function clip({ tabId }) {
    const key = `${tabId} ${await tabUrl(tabId)}`;
    const previous = recent.get(key);
    if (previous && now() - previous.at < RECENT_MS) return previous.outcome;
    const outcome = captureAndSend(tabId);
    recent.set(key, { at: now(), outcome });
    return outcome;
  }

  async function captureAndSend(tabId) {
    let request;
    const started = performance.now();
    try {
      request = await capture(tabId);
    } catch (error) {
      if (error instanceof CaptureError) return { kind: "error", errorKind: "capture", message: error.message };
      throw error;
    }
    if (!request.html) {
      // A PDF or unreadable page carries no metadata: a paper already known by its id needs no clip.
      const known = await knownPaper(request.url);
      if (known) {
        onSaved(tabId, known);
        return withPdf({ kind: "saved", status: "unchanged", paper: known }, request);
      }
    }
    return sendClip(tabId, request, { capture: performance.now() - started, htmlLength: request.html?.length ?? 0 });
  }

  /** Start saving the PDF of a saved clip in the background; say so in the outcome. */
  function withPdf(outcome, request) {
    if (outcome.kind !== "saved") return outcome;
    startPdf(outcome.paper, request);
    return { ...outcome, pdf: true };
  }

  function startPdf(paper, request) {
    const previous = pdfJobs.get(paper.id);
    if (previous && !previous.settled) return previous.outcome;
    const job = { settled: false };
    job.outcome = savePdf(paper, request)
      .catch((error) => ({ kind: "pdf-failed", reason: error.message }))
      .finally(() => { job.settled = true; });
    pdfJobs.set(paper.id, job);
    return job.outcome;
  }

  async function savePdf(paper, request) {
    const stored = storedPdf(paper);
    if (stored) return { kind: "pdf-stored", status: "unchanged", file: stored };
    const source = pdfSource(request, paper);
    if (!source) return { kind: "pdf-none" };
    let bytes;
    try {
      bytes = await download(source.url);
    } catch (error) {
      // A tab that could not be read and is no PDF: there was no PDF to save.
      return source.guess ? { kind: "pdf-none" } : { kind: "pdf-failed", reason: error.message };
    }
    return uploadPdf(paper.id, bytes, source.url);
  }

  async function uploadPdf(paperId, bytes, url) {
    const client = await getClient();
    try {
      const response = await client.uploadPdf(paperId, bytes, url);
      return { kind: "pdf-stored", status: response.data.status, file: response.data.file };
    } catch (error) {
      if (!isRetryable(error)) return { kind: "pdf-failed", reason: error.message };
      // The server went away: keep the address (never the bytes), fetched again when it is back.
      const path = `/api/papers/${encodeURIComponent(paperId)}/pdf`;
      const waiting = (await queue.read()).some((item) => item.kind === "pdf" && item.path === path && item.state === "pending");
      if (!waiting) await queue.add({ kind: "pdf", method: "PUT", path, body: { pdfUrl: url } }, error.message);
      await onQueued();
      return { kind: "pdf-queued", reason: errorOutcome(error, client.base).message };
    }
  }

  async function pdfStatus({ id }) {
    return (await pdfJobs.get(id)?.outcome) ?? { kind: "pdf-none" };
  }

  async function knownPaper(url) {
    const query = lookupQuery(url);
    if (!query?.arxiv && !query?.doi) return null;
    try {
      const response = await (await getClient()).lookup({ ...(query.arxiv ? { arxiv: query.arxiv } : { doi: query.doi }) });
      return response.data.found ? response.data.paper : null;
    } catch {
      return null; // sendClip reports (or queues) the failure
    }
  }

  // timings (milliseconds) go with the outcome: capture, request (the whole round trip) and
  // the server's own account of it (Server-Timing), for bench/bench_browser.py.
  async function sendClip(tabId, request, timings) {
    const client = await getClient();
    try {
      const sent = performance.now();
      const response = await client.clip(request);
      const outcome = { ...clipOutcome(response.data), timings: { ...timings, request: performance.now() - sent, server: response.timing ?? {} } };
      if (outcome.kind === "saved") onSaved(tabId, outcome.paper);
      onServerUp();
      return withPdf(outcome, request);
    } catch (error) {
      if (!isRetryable(error)) return errorOutcome(error, client.base);
      // The same page clipped again while offline stays one queued clip (with its tags and note).
      const waiting = (await queue.read()).find((item) => item.state === "pending" && item.path === "/api/clip" && item.body.url === request.url);
      return queued(waiting ?? await queue.add({ path: "/api/clip", body: request }, error.message), error, client.base);
    }
  }

  async function queued(item, error, base) {
    await onQueued();
    const waiting = (await queue.read()).filter((entry) => entry.state === "pending").length;
    return {
      kind: "queued", id: item.id, waiting, tags: item.body.tags ?? [], note: item.body.note ?? "",
      reason: errorOutcome(error, base).message, errorKind: error.kind,
    };
  }

  async function saveCandidates({ papers, tags = [], queuedId }) {
    const body = { papers: papersToSave(papers, tags) };
    const client = await getClient();
    try {
      const response = await client.savePapers(body.papers);
      if (queuedId) await queue.remove(queuedId);
      onServerUp();
      return { kind: "saved-many", results: response.data.results ?? [] };
    } catch (error) {
      if (!isRetryable(error)) return errorOutcome(error, client.base);
      const item = await queue.add({ path: "/api/papers", body }, error.message);
      if (queuedId) await queue.remove(queuedId); // the choice replaces the listing it came from
      return queued(item, error, client.base);
    }
  }

  async function updatePaper({ id, tags, note }) {
    const changes = {};
    if (Array.isArray(tags)) changes.tags = tags;
    if (typeof note === "string") changes.note = note;
    const client = await getClient();
    try {
      const response = await client.updatePaper(id, changes);
      return { kind: "updated", paper: response.data.paper ?? response.data };
    } catch (error) {
      if (!isRetryable(error)) return errorOutcome(error, client.base);
      // Keep the reader's words: send them with the PATCH's body later.
      const item = await queue.add({ method: "PATCH", path: `/api/papers/${encodeURIComponent(id)}`, body: changes }, error.message);
      return queued(item, error, client.base);
    }
  }

  // A reference is read from the server when asked for: nothing to queue when it is down.
  async function citePaper({ id, style }) {
    const client = await getClient();
    try {
      const response = await client.cite(id, style);
      return { kind: "reference", style: response.data.style, text: response.data.text ?? "" };
    } catch (error) {
      return errorOutcome(error, client.base);
    }
  }

  async function updateQueued({ id, tags, note }) {
    const item = await queue.update(id, (old) => ({
      ...old,
      body: { ...old.body, ...(Array.isArray(tags) ? { tags } : {}), ...(typeof note === "string" ? { note } : {}) },
    }));
    return item ? { kind: "updated-queued", id } : { kind: "error", errorKind: "gone", message: "This clip has already been sent." };
  }

  async function tags() {
    try {
      const response = await (await getClient()).tags();
      return { kind: "tags", tags: (response.data.tags ?? []).map((entry) => entry.tag ?? entry) };
    } catch {
      return { kind: "tags", tags: [] }; // completion is a convenience: no server, no suggestions
    }
  }

  async function queueSummary() {
    return { kind: "queue", items: summarize(await queue.read()) };
  }

  async function dismissQueued({ id }) {
    return { kind: "dismissed", removed: await queue.remove(id) };
  }

  return {
    clip,
    "save-candidates": saveCandidates,
    "update-paper": updatePaper,
    "cite-paper": citePaper,
    "update-queued": updateQueued,
    "dismiss-queued": dismissQueued,
    tags,
    queue: queueSummary,
    "pdf-status": pdfStatus,
    drain: async () => ({ kind: "drained", ...(await drainReport()) }),
  };

  async function drainReport() {
    const report = await queue.drain(sendQueued);
    return { sent: report.sent.length, failed: report.failed.length, stopped: report.stopped?.message ?? "" };
  }

  /** Send one queued item; a clip that comes back saved then has its PDF saved too. */
  async function sendQueued(item) {
    const client = await getClient();
    if (item.kind === "pdf") return sendQueuedPdf(client, item);
    const response = await client.send(item);
    const paper = response.data?.paper;
    if (item.path === "/api/clip" && paper?.id !== undefined) await startPdf(paper, item.body);
    return response;
  }

  async function sendQueuedPdf(client, item) {
    let bytes;
    try {
      bytes = await download(item.body.pdfUrl);
    } catch (error) {
      throw new ApiError("rejected", `the PDF could not be fetched again: ${error.message}`); // final
    }
    return client.send({ ...item, path: `${item.path}?${new URLSearchParams({ url: item.body.pdfUrl })}`, bytes });
  }
}
