// Firefox exposes the promise-based `browser` namespace; Chromium exposes `chrome`.
export const ext = globalThis.browser ?? globalThis.chrome;
