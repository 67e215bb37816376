// papershelf's paper page: the Copy buttons put a BibTeX block on the clipboard.
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  var label = button.textContent;
  button.addEventListener("click", function () {
    var block = document.getElementById(button.dataset.copy);
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(block.textContent).then(done, function () {
        selectAndCopy(block);
        done();
      });
    } else {
      selectAndCopy(block);
      done();
    }
  });
});

// Without the clipboard API (a page not served from a loopback name): select, then copy.
function selectAndCopy(block) {
  var range = document.createRange();
  range.selectNodeContents(block);
  var selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  document.execCommand("copy");
}
