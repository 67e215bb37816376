// The popup: clip the tab, then show "Saved" (tags, note), a listing's checklist, or the queue.
import { setMessage } from "../lib/dom.js";
import { ext } from "../lib/ext.js";
import { byline, parseTags } from "../lib/messages.js";
import { pdfMessage } from "../lib/pdf.js";

const $ = (selector, root = document) => root.querySelector(selector);
const ask = (message) => ext.runtime.sendMessage(message);

function show(stateId) {
  for (const section of document.querySelectorAll(".state")) section.hidden = section.id !== stateId;
}

// ---- tags and note -------------------------------------------------------

/** Fill `form` with the tag chips and note fields; call save({tags, note}) on submit. */
function annotationForm(form, { tags = [], note = "", save }) {
  form.replaceChildren($("#annotation-fields").content.cloneNode(true));
  const chips = $(".chips", form);
  const input = $(".tag-input", form);
  const current = new Set(tags);

  function drawChips() {
    chips.replaceChildren(...[...current].map((tag) => {
      const chip = document.createElement("span");
      chip.className = "chip";
      const label = document.createElement("span");
      label.className = "chip-label";
      label.textContent = tag;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "×";
      remove.title = `Remove ${tag}`;
      remove.addEventListener("click", () => { current.delete(tag); drawChips(); });
      chip.append(label, remove);
      return chip;
    }));
  }

  function takeTyped() {
    for (const tag of parseTags(input.value)) current.add(tag);
    input.value = "";
    drawChips();
  }

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      takeTyped();
    } else if (event.key === "Backspace" && !input.value && current.size) {
      current.delete([...current].pop());
      drawChips();
    }
  });
  input.addEventListener("change", takeTyped); // picking from the completion list
  $(".note", form).value = note ?? "";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    takeTyped();
    const status = $(".form-status", form);
    status.textContent = "Saving…";
    const answer = await save({ tags: [...current], note: $(".note", form).value });
    const done = { queued: "Kept in the offline queue", "updated-queued": "Kept with the queued clip" }[answer.kind];
    setMessage(status, answer.kind === "error" ? answer.message : done ?? "Tags and note saved");
  });
  drawChips();
}

// ---- one paper -----------------------------------------------------------

const HEADLINES = { created: "Saved", updated: "Saved — merged into your library entry", unchanged: "Already in your library" };

function renderSaved(outcome) {
  const { paper } = outcome;
  $("#saved-headline").textContent = HEADLINES[outcome.status] ?? "Saved";
  $("#saved-title").textContent = paper.title ?? paper.url ?? "";
  $("#saved-byline").textContent = byline(paper);
  $("#saved-citekey").textContent = paper.citekey ?? "";
  $("#copy-citekey").onclick = async () => {
    const copied = await navigator.clipboard.writeText(paper.citekey ?? "").then(() => true, () => false);
    $("#copy-citekey").textContent = copied ? "Copied" : "Select and copy the key";
    setTimeout(() => { $("#copy-citekey").textContent = "Copy key"; }, 1500);
  };
  referenceButton(paper);
  annotationForm($("#paper-form"), {
    tags: paper.tags, note: paper.note,
    save: (changes) => ask({ type: "update-paper", id: paper.id, ...changes }),
  });
  show("saved");
  if (outcome.pdf) renderPdf(paper.id);
}

// The background saves the PDF after the clip; the popup shows how that ends.
async function renderPdf(paperId) {
  const line = $("#pdf-status");
  const say = (outcome) => {
    const text = pdfMessage(outcome);
    line.hidden = !text;
    line.dataset.kind = outcome?.kind ?? "";
    line.textContent = text ?? "";
  };
  say({ kind: "pdf-saving" });
  say(await ask({ type: "pdf-status", id: paperId }));
}

/** Wire "Copy reference": the server formats the paper in the chosen style (kept for next time). */
async function referenceButton(paper) {
  const select = $("#cite-style");
  const { citeStyle } = await ext.storage.local.get("citeStyle");
  if (citeStyle && [...select.options].some((option) => option.value === citeStyle)) select.value = citeStyle;
  select.onchange = () => ext.storage.local.set({ citeStyle: select.value });
  $("#copy-reference").onclick = async () => {
    const status = $("#reference-status");
    status.textContent = "Formatting…";
    const answer = await ask({ type: "cite-paper", id: paper.id, style: select.value });
    if (answer.kind !== "reference") {
      setMessage(status, answer.message ?? "papershelf did not answer.");
      return;
    }
    const copied = await navigator.clipboard.writeText(answer.text).then(() => true, () => false);
    status.textContent = copied ? "Reference copied" : answer.text; // shown to copy by hand
  };
}

// ---- listing pages -------------------------------------------------------

function candidateItem(candidate, index) {
  const item = document.createElement("li");
  item.dataset.index = String(index);
  item.dataset.search = `${candidate.title ?? ""} ${(candidate.authors ?? []).join(" ")}`.toLowerCase();
  const label = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = !candidate.in_library;
  const text = document.createElement("span");
  text.className = "candidate-text";
  const title = document.createElement("span");
  title.className = "candidate-title";
  title.textContent = candidate.title ?? candidate.url ?? "(untitled)";
  title.title = title.textContent; // the full title when it is clamped to two lines
  const meta = document.createElement("span");
  meta.className = "byline";
  meta.textContent = byline(candidate);
  text.append(title, meta);
  label.append(box, text);
  if (candidate.in_library) {
    item.classList.add("in-library");
    const mark = document.createElement("span");
    mark.className = "pill";
    mark.textContent = "In library";
    label.append(mark);
  }
  item.append(label);
  return item;
}

function renderListing(outcome, queuedId) {
  const candidates = outcome.candidates;
  const list = $("#candidates");
  list.replaceChildren(...candidates.map(candidateItem));
  const saved = candidates.filter((candidate) => candidate.in_library).length;
  $("#listing-count").textContent = `${candidates.length} papers on this page`;
  $("#listing-source").textContent = saved ? `${saved} already in your library (marked, not selected)` : "Pick the papers to save";
  const boxes = () => [...list.querySelectorAll("li:not([hidden]) input[type=checkbox]")];

  function updateCount() {
    const chosen = list.querySelectorAll("input:checked").length;
    $("#selected-count").textContent = `${chosen} selected`;
    $("#save-selected").textContent = chosen === 1 ? "Save 1 paper" : `Save ${chosen} papers`;
    $("#save-selected").disabled = chosen === 0;
    const visible = boxes();
    const checked = visible.filter((box) => box.checked).length;
    $("#select-all").checked = visible.length > 0 && checked === visible.length;
    $("#select-all").indeterminate = checked > 0 && checked < visible.length;
  }

  list.addEventListener("change", updateCount);
  $("#select-all").onchange = (event) => {
    for (const box of boxes()) box.checked = event.target.checked;
    updateCount();
  };
  $("#listing-filter").oninput = (event) => {
    const words = event.target.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const item of list.children) item.hidden = !words.every((word) => item.dataset.search.includes(word));
    updateCount();
  };
  $("#save-selected").onclick = async () => {
    const chosen = [...list.querySelectorAll("input:checked")].map((box) => candidates[Number(box.closest("li").dataset.index)]);
    $("#save-selected").disabled = true;
    $("#save-selected").textContent = "Saving…";
    render(await ask({ type: "save-candidates", papers: chosen, tags: parseTags($("#listing-tags").value), queuedId }));
  };
  updateCount();
  show("listing");
}

function renderSavedMany(outcome) {
  const results = outcome.results;
  const created = results.filter((result) => result.status === "created").length;
  $("#saved-many-headline").textContent = `Saved ${results.length} ${results.length === 1 ? "paper" : "papers"}` +
    (created < results.length ? ` (${results.length - created} were already there)` : "");
  $("#saved-many-list").replaceChildren(...results.map(({ paper }) => {
    const item = document.createElement("li");
    const key = document.createElement("code");
    key.textContent = paper?.citekey ?? "";
    item.append(key, ` ${paper?.title ?? ""}`);
    return item;
  }));
  show("saved-many");
}

// ---- offline queue and errors --------------------------------------------

function renderQueued(outcome, request) {
  setMessage($("#queued-reason"), outcome.reason);
  $("#queued-count").textContent = String(outcome.waiting);
  const form = $("#queued-form");
  if (request === "clip") {
    annotationForm(form, { tags: outcome.tags, note: outcome.note, save: (changes) => ask({ type: "update-queued", id: outcome.id, ...changes }) });
  } else {
    form.replaceChildren();
  }
  show("queued");
}

function renderError(outcome) {
  $("#error-headline").textContent = outcome.errorKind === "rejected" ? "Nothing to save here" : "Could not save this page";
  setMessage($("#error-message"), outcome.message);
  show("error");
}

function render(outcome, context = {}) {
  switch (outcome?.kind) {
    case "saved": return renderSaved(outcome);
    case "listing": return renderListing(outcome, context.queuedId);
    case "saved-many": return renderSavedMany(outcome);
    case "queued": return renderQueued(outcome, context.request);
    default: return renderError(outcome ?? { message: "The extension did not answer." });
  }
}

async function renderQueueFooter() {
  const { items = [] } = await ask({ type: "queue" });
  const pending = items.filter((item) => item.state === "pending");
  const listings = items.filter((item) => item.state === "listing");
  const failed = items.filter((item) => item.state === "failed");
  const parts = [];
  if (pending.length) parts.push(`${pending.length} waiting to be sent`);
  if (failed.length) parts.push(`${failed.length} could not be saved (see options)`);
  $("#queue-summary").textContent = parts.join(" · ");
  $("#send-now").hidden = pending.length === 0;
  $("#waiting-listings").replaceChildren(...listings.map((item) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link-button";
    button.textContent = `Choose papers from ${item.title || item.url}`;
    button.onclick = () => render({ kind: "listing", candidates: item.candidates }, { queuedId: item.id });
    return button;
  }));
  $("#queue-footer").hidden = parts.length === 0 && listings.length === 0;
}

// Firefox may hold back host access until the reader allows it on the options page.
async function renderAccessHint() {
  const granted = await ext.permissions.contains({ origins: ["<all_urls>"] });
  $("#access-hint").hidden = granted;
}

async function main() {
  renderAccessHint();
  ext.permissions.onAdded?.addListener(renderAccessHint);
  ext.permissions.onRemoved?.addListener(renderAccessHint);
  for (const button of document.querySelectorAll(".open-options")) button.onclick = () => ext.runtime.openOptionsPage();
  $("#send-now").onclick = async () => {
    $("#send-now").textContent = "Sending…";
    await ask({ type: "drain" });
    $("#send-now").textContent = "Send now";
    renderQueueFooter();
  };
  // start.js asked for the clip (and the tab) before this module loaded.
  const { tab: tabRead, outcome: clipAnswer, askedAt } = globalThis.papershelfClip;
  tabRead.then((tab) => { $("#progress-title").textContent = tab?.title ? `“${tab.title}”` : "this page"; });
  const outcome = (await clipAnswer) ?? { kind: "error", message: "That tab is gone: nothing to save." };
  render(outcome, { request: "clip" });
  // When the answer was on screen, counted from the popup's opening, with where the time went.
  performance.mark("papershelf:shown", { detail: { kind: outcome.kind, askedAt, timings: outcome.timings ?? null } });
  // Completion for the tag fields and the queue's state: after the answer, not before it.
  ask({ type: "tags" }).then(({ tags = [] }) => {
    $("#tag-options").replaceChildren(...tags.map((tag) => Object.assign(document.createElement("option"), { value: tag })));
  });
  renderQueueFooter();
}

main().catch((error) => renderError({ message: `The extension failed: ${error.message}` }));
