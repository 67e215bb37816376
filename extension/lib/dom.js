// Small DOM helpers shared by the popup and the options page.

/** Set element's text, showing `backticked` parts (commands to run) as code. */
export function setMessage(element, text) {
  const parts = String(text ?? "").split("`");
  element.replaceChildren(...parts.map((part, index) => {
    if (index % 2 === 0) return document.createTextNode(part);
    const code = document.createElement("code");
    code.textContent = part;
    return code;
  }));
}
