// Read a tab for clipping: its URL, title, HTML and selection (URL alone for a PDF).
import { ext } from "./ext.js";
import { isPdfUrl, parseWebUrl } from "./paper_ids.js";

/** An error saying why this tab cannot be clipped at all. */
export class CaptureError extends Error {}

const HTML_TYPES = new Set(["text/html", "application/xhtml+xml"]);

// Runs inside the page (serialised by scripting.executeScript): keep it self-contained.
function readPage() {
  return {
    html: document.documentElement.outerHTML,
    title: document.title,
    selection: String(globalThis.getSelection?.() ?? "").trim(),
    contentType: document.contentType,
  };
}

// A PDF tab's title is often just its file name ("1706.03762v7.pdf"): no title at all is better.
function isFileName(title, address) {
  const lastSegment = decodeURIComponent(new URL(address).pathname.split("/").pop() || "");
  return /\.pdf$/i.test(title) || title === lastSegment || title === address;
}

/** Return the /api/clip body for a tab and what was read from its page (null if unreadable). */
export function clipRequest(tab, page) {
  const request = { url: tab.url };
  const title = page?.title || tab.title;
  if (title && !isFileName(title, tab.url)) request.title = title;
  // A PDF (or any non-HTML document) goes by its URL alone: the server knows arXiv PDFs.
  if (!page || isPdfUrl(tab.url) || !HTML_TYPES.has(page.contentType)) return request;
  request.html = page.html;
  if (page.selection) request.selection = page.selection;
  return request;
}

/** Read tab `tabId` and return its /api/clip body; throw CaptureError for non-web tabs. */
export async function captureTab(tabId) {
  const tab = await ext.tabs.get(tabId);
  if (!parseWebUrl(tab.url)) {
    throw new CaptureError("Only web pages (http or https) can be saved to papershelf.");
  }
  if (isPdfUrl(tab.url)) return clipRequest(tab, null);
  let page = null;
  try {
    const [injection] = await ext.scripting.executeScript({ target: { tabId }, func: readPage });
    page = injection?.result ?? null;
  } catch {
    page = null; // the browser's PDF viewer and protected pages cannot be read: send the URL
  }
  return clipRequest(tab, page);
}
