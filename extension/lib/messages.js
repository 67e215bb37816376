// The messages the popup and options page send to the background, and the answers' shapes.
import { explainFailure } from "./api.js";

// Each message type with the fields it must carry and their types.
export const MESSAGE_FIELDS = {
  clip: { tabId: "number" },
  "save-candidates": { papers: "array" },
  "update-paper": { id: "id" },
  "cite-paper": { id: "id", style: "string" },
  "update-queued": { id: "string" },
  "dismiss-queued": { id: "string" },
  "pdf-status": { id: "id" },
  tags: {},
  queue: {},
  drain: {},
};

function hasType(value, type) {
  if (type === "array") return Array.isArray(value);
  if (type === "id") return (typeof value === "number" && Number.isFinite(value)) || (typeof value === "string" && value !== "");
  if (type === "number") return typeof value === "number" && Number.isInteger(value);
  return typeof value === type;
}

/** Return why a message is malformed, or "" when it is fine. */
export function checkMessage(message) {
  if (!message || typeof message !== "object") return "a message must be an object";
  const fields = MESSAGE_FIELDS[message.type];
  if (!fields) return `unknown message type ${JSON.stringify(message.type)}`;
  for (const [name, type] of Object.entries(fields)) {
    if (!hasType(message[name], type)) return `${message.type}: "${name}" must be a ${type === "id" ? "paper id" : type}`;
  }
  return "";
}

/** Return a function that answers a message with its handler's result, never throwing. */
export function createRouter(handlers) {
  return async function route(message) {
    const problem = checkMessage(message);
    if (problem) return { kind: "error", errorKind: "bad-message", message: problem };
    try {
      return await handlers[message.type](message);
    } catch (error) {
      return errorOutcome(error);
    }
  };
}

/** Return the popup outcome for a successful /api/clip answer. */
export function clipOutcome(data) {
  if (Array.isArray(data?.candidates)) return { kind: "listing", candidates: data.candidates };
  if (data?.paper) return { kind: "saved", status: data.status ?? "created", paper: data.paper };
  return { kind: "error", errorKind: "not-papershelf", message: "The server's answer holds no paper." };
}

/** Return the popup outcome for a failure, explained for the reader. */
export function errorOutcome(error, base = "the server") {
  return { kind: "error", errorKind: error?.kind ?? "unknown", message: explainFailure(error, base) };
}

/** Return the paper fields to POST for chosen listing candidates, with extra tags added. */
export function papersToSave(candidates, tags = []) {
  return candidates.map(({ in_library, id, ...paper }) => ({
    ...paper,
    tags: [...new Set([...(paper.tags ?? []), ...tags])],
  }));
}

/** Return the tags typed in a field ("a, b  c" → ["a", "b", "c"]), trimmed and unique. */
export function parseTags(text) {
  return [...new Set(String(text ?? "").split(/[,\s]+/).map((tag) => tag.trim()).filter(Boolean))];
}

/** Return "First Author et al. · 2017" style byline for a paper. */
export function byline(paper) {
  const authors = paper?.authors ?? [];
  const first = authors.length ? authors[0] + (authors.length > 1 ? " et al." : "") : "";
  return [first, paper?.year ?? ""].filter((part) => part !== "" && part !== null).join(" · ");
}
