// Read a paper's identifiers (arXiv id, DOI) from a page URL, without the page.

const ARXIV_HOSTS = /(^|\.)(arxiv\.org|ar5iv\.org|alphaxiv\.org)$/;
const ARXIV_PATH = /^\/(?:abs|pdf|html|format|overview)\/(.+?)(?:\.pdf)?\/?$/;
const ARXIV_NEW_ID = /^(\d{4}\.\d{4,5})(?:v(\d+))?$/;
const ARXIV_OLD_ID = /^([a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7})(?:v(\d+))?$/;
const HF_PAPER_PATH = /^\/papers\/(\d{4}\.\d{4,5})(?:v\d+)?\/?$/;
const DOI_HOSTS = /(^|\.)doi\.org$/;
const DOI_IN_PATH = /(?:^|\/)(10\.\d{4,9}\/[^?#\s]+)/;
const DOI_TRAILERS = /(?:\/(?:abstract|full|pdf|epdf|references|figures))+$|\.pdf$|[.,;)]+$/i;

/** Return the URL object for an http(s) address, or null. */
export function parseWebUrl(address) {
  try {
    const url = new URL(address);
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}

/** Return the arXiv id without version (e.g. "1706.03762") a URL names, or null. */
export function arxivIdFromUrl(address) {
  const url = parseWebUrl(address);
  if (!url) return null;
  const host = url.hostname.toLowerCase();
  if (host === "huggingface.co" || host === "www.huggingface.co") {
    const match = HF_PAPER_PATH.exec(url.pathname);
    return match ? match[1] : null;
  }
  if (!ARXIV_HOSTS.test(host)) return null;
  const path = ARXIV_PATH.exec(decodeURIComponent(url.pathname));
  if (!path) return null;
  const id = ARXIV_NEW_ID.exec(path[1]) || ARXIV_OLD_ID.exec(path[1]);
  return id ? id[1] : null;
}

/** Return the lower-case DOI a URL names (doi.org links, /doi/10.x/... paths), or null. */
export function doiFromUrl(address) {
  const url = parseWebUrl(address);
  if (!url) return null;
  let path;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (DOI_HOSTS.test(url.hostname.toLowerCase())) {
    path = path.replace(/^\/+/, "");
    return path.startsWith("10.") ? cleanDoi(path) : null;
  }
  const match = DOI_IN_PATH.exec(path);
  return match ? cleanDoi(match[1]) : null;
}

function cleanDoi(doi) {
  let cleaned = doi;
  // Publisher paths append views (/abstract, /full, .pdf) after the DOI itself.
  while (DOI_TRAILERS.test(cleaned)) cleaned = cleaned.replace(DOI_TRAILERS, "");
  return cleaned.includes("/") ? cleaned.toLowerCase() : null;
}

/** Return true when the URL itself says it is a PDF file. */
export function isPdfUrl(address) {
  const url = parseWebUrl(address);
  if (!url) return false;
  if (/\.pdf$/i.test(url.pathname)) return true;
  const host = url.hostname.toLowerCase();
  if (/(^|\.)openreview\.net$/.test(host) && url.pathname === "/pdf") return true; // /pdf?id=...
  return ARXIV_HOSTS.test(host) && url.pathname.startsWith("/pdf/");
}

/** Return the lookup query {url, arxiv?, doi?} for a visited page, or null for non-web pages. */
export function lookupQuery(address) {
  const url = parseWebUrl(address);
  if (!url) return null;
  url.hash = "";
  const query = { url: url.href };
  const arxiv = arxivIdFromUrl(address);
  const doi = doiFromUrl(address);
  if (arxiv) query.arxiv = arxiv;
  if (doi) query.doi = doi;
  return query;
}
