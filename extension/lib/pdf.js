// The paper's PDF: where to get it, downloading it with the browser's own session, what to say.
import { isPdfUrl, parseWebUrl } from "./paper_ids.js";

export const MAX_PDF_BYTES = 200 * 1024 * 1024; // the server's limit too
export const DOWNLOAD_TIMEOUT_MS = 120000;
const HEAD_BYTES = 1024; // a PDF's header is within its first 1024 bytes

/** A download that gave no PDF; `kind` is login-page | not-pdf | http | unreachable | too-large. */
export class PdfError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = "PdfError";
    this.kind = kind;
  }
}

/** Return the paper's first stored PDF (from the server's paper object), or null. */
export function storedPdf(paper) {
  return (paper?.files ?? []).find((file) => file.kind === "pdf") ?? null;
}

/**
 * Return {url, guess} to fetch the PDF of a clip from, or null when there is none:
 * the tab itself when it shows a PDF, else the paper's PDF link (arXiv, citation_pdf_url,
 * Hugging Face, OpenReview). guess: a tab that could not be read may be a PDF; try it quietly.
 */
export function pdfSource(request, paper) {
  const tabUrl = request?.url;
  if (!request?.html && isPdfUrl(tabUrl)) return { url: tabUrl, guess: false };
  if (parseWebUrl(paper?.pdf_url)) return { url: paper.pdf_url, guess: false };
  if (!request?.html && parseWebUrl(tabUrl)) return { url: tabUrl, guess: true };
  return null;
}

/** Return "pdf", "html" or "other" for the first bytes of a download. */
export function sniff(bytes, contentType = "") {
  const head = String.fromCharCode(...bytes.subarray(0, HEAD_BYTES));
  if (head.includes("%PDF-")) return "pdf";
  if (/^\s*</.test(head.replace(/^\uFEFF|^\u00EF\u00BB\u00BF/, "")) || /html/i.test(contentType)) return "html";
  return "other";
}

/** Download url with the reader's cookies (institutional access works); return the PDF's bytes. */
export async function downloadPdf(url, { fetchImpl = globalThis.fetch.bind(globalThis), limit = MAX_PDF_BYTES, timeout = DOWNLOAD_TIMEOUT_MS } = {}) {
  const host = parseWebUrl(url)?.hostname ?? url;
  let response;
  try {
    response = await fetchImpl(url, { credentials: "include", redirect: "follow", signal: AbortSignal.timeout(timeout) });
  } catch {
    throw new PdfError("unreachable", `could not download it from ${host}`);
  }
  if (!response.ok) {
    const refused = response.status === 401 || response.status === 403;
    throw new PdfError("http", refused ? `${host} refused it (HTTP ${response.status}): are you signed in?` : `${host} answered HTTP ${response.status}`);
  }
  if (Number(response.headers.get("content-length")) > limit) throw tooLarge(limit);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > limit) throw tooLarge(limit);
  if (bytes.length === 0) throw new PdfError("not-pdf", `${host} sent an empty file`);
  const kind = sniff(bytes, response.headers.get("content-type") ?? "");
  if (kind === "html") throw new PdfError("login-page", "the publisher returned a login page");
  if (kind !== "pdf") throw new PdfError("not-pdf", `${host} sent something that is not a PDF`);
  return bytes;
}

function tooLarge(limit) {
  return new PdfError("too-large", `it is larger than ${limit / (1024 * 1024)} MB`);
}

/** Return the popup's line for a PDF outcome (null: nothing to say). */
export function pdfMessage(outcome) {
  switch (outcome?.kind) {
    case "pdf-stored": {
      const pages = outcome.file?.pages;
      const size = pages ? ` (${pages} ${pages === 1 ? "page" : "pages"})` : outcome.file?.text === "encrypted" ? " (encrypted: its text cannot be searched)" : "";
      return outcome.status === "created" ? `PDF saved${size}` : `PDF already in your library${size}`;
    }
    case "pdf-queued": return "PDF waits in the offline queue: it is fetched and sent when papershelf answers again";
    case "pdf-failed": return `PDF not saved: ${outcome.reason}`;
    case "pdf-saving": return "Saving the PDF…";
    default: return null;
  }
}
