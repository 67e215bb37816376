import assert from "node:assert/strict";
import { test } from "node:test";

import { arxivIdFromUrl, doiFromUrl, isPdfUrl, lookupQuery } from "../lib/paper_ids.js";

test("arXiv ids come from abs, pdf, html and Hugging Face paper URLs, without version", () => {
  const cases = {
    "https://arxiv.org/abs/1706.03762v7": "1706.03762",
    "https://arxiv.org/abs/1706.03762": "1706.03762",
    "https://arxiv.org/pdf/2407.07061v2": "2407.07061",
    "https://arxiv.org/pdf/2407.07061.pdf": "2407.07061",
    "https://www.arxiv.org/html/2605.11638v1/": "2605.11638",
    "https://export.arxiv.org/abs/hep-th/9901001v2": "hep-th/9901001",
    "https://arxiv.org/abs/math.GT/0309136": "math.GT/0309136",
    "https://huggingface.co/papers/2407.07061": "2407.07061",
    "https://alphaxiv.org/abs/2407.07061": "2407.07061",
  };
  for (const [url, id] of Object.entries(cases)) assert.equal(arxivIdFromUrl(url), id, url);
});

test("pages that only look like arXiv give no id", () => {
  for (const url of [
    "https://arxiv.org/list/cs.CL/recent", "https://huggingface.co/papers", "https://huggingface.co/papers/date/2024-07-10",
    "https://example.com/abs/1706.03762", "https://notarxiv.org/abs/1706.03762", "chrome://extensions", "not a url",
  ]) assert.equal(arxivIdFromUrl(url), null, url);
});

test("DOIs come from doi.org links and publisher /doi/ paths, lower-cased and without view suffixes", () => {
  const cases = {
    "https://doi.org/10.1371/journal.pone.0000001": "10.1371/journal.pone.0000001",
    "https://dx.doi.org/10.7554/eLife.01567": "10.7554/elife.01567",
    "https://dl.acm.org/doi/10.1145/3442188.3445922": "10.1145/3442188.3445922",
    "https://onlinelibrary.wiley.com/doi/full/10.1002/anie.201915678": "10.1002/anie.201915678",
    "https://onlinelibrary.wiley.com/doi/pdf/10.1002/anie.201915678": "10.1002/anie.201915678",
    "https://link.springer.com/article/10.1007/s10924-010-0192-1": "10.1007/s10924-010-0192-1",
    "https://www.tandfonline.com/doi/abs/10.1080/01621459.2017.1285773/abstract": "10.1080/01621459.2017.1285773",
  };
  for (const [url, doi] of Object.entries(cases)) assert.equal(doiFromUrl(url), doi, url);
  for (const url of ["https://www.nature.com/articles/s41586-021-03819-2", "https://doi.org/", "https://example.com/10.5/"]) {
    assert.equal(doiFromUrl(url), null, url);
  }
});

test("PDF URLs are recognised by extension and by arXiv's /pdf/ path", () => {
  assert.equal(isPdfUrl("https://arxiv.org/pdf/1706.03762v7"), true);
  assert.equal(isPdfUrl("https://example.org/files/Paper.PDF"), true);
  assert.equal(isPdfUrl("https://arxiv.org/abs/1706.03762v7"), false);
  assert.equal(isPdfUrl("file:///home/me/paper.pdf"), false);
});

test("the lookup query carries the URL without fragment plus any id, and nothing for non-web pages", () => {
  assert.deepEqual(lookupQuery("https://arxiv.org/abs/1706.03762v7#S1"), { url: "https://arxiv.org/abs/1706.03762v7", arxiv: "1706.03762" });
  assert.deepEqual(lookupQuery("https://doi.org/10.1371/journal.pone.0000001"), {
    url: "https://doi.org/10.1371/journal.pone.0000001", doi: "10.1371/journal.pone.0000001",
  });
  assert.deepEqual(lookupQuery("https://openreview.net/forum?id=BwufLjXbMO"), { url: "https://openreview.net/forum?id=BwufLjXbMO" });
  assert.equal(lookupQuery("about:blank"), null);
  assert.equal(lookupQuery("chrome-extension://abc/popup/popup.html"), null);
});
