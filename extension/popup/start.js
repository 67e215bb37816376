// Ask for the clip the moment the popup opens, while its page and modules are still loading;
// popup.js takes the answer from globalThis.papershelfClip. A classic script, so it runs at once.
"use strict";
{
  const ext = globalThis.browser ?? globalThis.chrome;
  const param = new URLSearchParams(location.search).get("tabId");
  // ?tabId=N: the popup opened as a page acts on tab N; otherwise on the active tab.
  const tab = (param !== null ? ext.tabs.get(Number(param)) : ext.tabs.query({ active: true, currentWindow: true }).then(([active]) => active))
    .catch(() => null);
  const outcome = param !== null
    ? ext.runtime.sendMessage({ type: "clip", tabId: Number(param) })
    : tab.then((found) => (found ? ext.runtime.sendMessage({ type: "clip", tabId: found.id }) : null));
  globalThis.papershelfClip = { tab, outcome, askedAt: performance.now() };
}
