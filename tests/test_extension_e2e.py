"""The browser extension in real Chromium and Firefox ESR against a real `papershelf serve`.

Every test runs in both browsers (the `browser` fixture of conftest.py): Chromium loads
extension/ unpacked, Firefox installs it as a temporary add-on. arxiv.org and huggingface.co
addresses are answered from the recorded fixture pages by the fixture-site proxy both browsers
use; papershelf runs on a free 127.0.0.1 port with a temporary home. Screenshots go to
test-artifacts/, named after the browser.
"""

import http.server
import json
import threading

import pytest

from tests.browser_support import wait_for
from tests.extension_support import rows, screenshot

pytestmark = pytest.mark.browser

ARXIV = "https://arxiv.org/abs/1706.03762v7"
HF_LISTING = "https://huggingface.co/papers"
HF_PAPER = "https://huggingface.co/papers/2407.07061"


@pytest.fixture
def arxiv_html(pages_dir):
    return (pages_dir / "arxiv_abs_1706.03762v7_2026.html").read_text(encoding="utf-8")


def papers(server):
    return rows(server.db_path, "select * from papers order by id")


def test_toolbar_popup_saves_the_arxiv_paper_then_tags_and_note(extension, papershelf):
    _, tab = extension.open_tab(ARXIV)
    popup = extension.popup_for(tab)
    popup.locator("#saved:not([hidden])").wait_for()
    assert popup.locator("#saved-headline").inner_text() == "Saved"
    assert popup.locator("#access-hint").is_hidden()  # both grant host access at (temporary) install

    # The offline server can only know all this from the page's HTML the extension sent.
    [paper] = papers(papershelf)
    fields = ("title", "year", "published", "arxiv_id", "arxiv_version", "arxiv_category", "entry_type", "source", "url")
    assert {key: paper[key] for key in fields} == {
        "title": "Attention Is All You Need", "year": 2017, "published": "2017-06-12",
        "arxiv_id": "1706.03762", "arxiv_version": 7, "arxiv_category": "cs.CL",
        "entry_type": "preprint", "source": "arxiv.org", "url": "https://arxiv.org/abs/1706.03762"}
    assert json.loads(paper["authors"]) == [
        "Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit", "Llion Jones",
        "Aidan N. Gomez", "Lukasz Kaiser", "Illia Polosukhin"]
    assert paper["abstract"].startswith("The dominant sequence transduction models")
    assert popup.locator("#saved-title").inner_text() == "Attention Is All You Need"
    assert popup.locator("#saved-byline").inner_text() == "Ashish Vaswani et al. · 2017"
    assert popup.locator("#saved-citekey").inner_text() == paper["citekey"]
    popup.locator("#copy-citekey").click()
    popup.get_by_text("Copied").wait_for()  # the clipboard took the key
    [clip] = rows(papershelf.db_path, "select url, paper_id from clips")
    assert clip == {"url": ARXIV, "paper_id": paper["id"]}

    tag_input = popup.locator("#paper-form .tag-input")
    tag_input.fill("transformers")
    tag_input.press("Enter")
    tag_input.fill("reading-group, nlp")
    popup.locator("#paper-form .note").fill("Section 3.2 explains scaled dot-product attention.")
    screenshot(popup, f"{extension.name}_popup_saved.png")
    popup.locator("#paper-form button[type=submit]").click()
    popup.get_by_text("Tags and note saved").wait_for()
    [paper] = papers(papershelf)
    assert sorted(json.loads(paper["tags"])) == ["nlp", "reading-group", "transformers"]
    assert paper["note"] == "Section 3.2 explains scaled dot-product attention."
    assert extension.badge(tab) == "✓"


def test_second_clip_says_already_in_library_with_the_readers_tags(extension, papershelf, arxiv_html):
    status, _ = papershelf.request("POST", "/api/clip", {"url": ARXIV, "html": arxiv_html, "tags": ["kept"]})
    assert status == 201
    _, tab = extension.open_tab(ARXIV)
    popup = extension.popup_for(tab)
    popup.locator("#saved:not([hidden])").wait_for()
    assert popup.locator("#saved-headline").inner_text() == "Already in your library"
    assert popup.locator("#paper-form .chip-label").all_inner_texts() == ["kept"]
    # Tag completion offers the library's tags (GET /api/tags).
    popup.wait_for_function("() => document.querySelectorAll('#tag-options option').length > 0")
    assert popup.locator("#tag-options option").evaluate_all("options => options.map((o) => o.value)") == ["kept"]
    assert len(papers(papershelf)) == 1


def test_pdf_tab_is_sent_by_url_and_recognised_by_its_arxiv_id(extension, papershelf, arxiv_html):
    status, _ = papershelf.request("POST", "/api/clip", {"url": ARXIV, "html": arxiv_html})
    assert status == 201
    pdf = "https://arxiv.org/pdf/1706.03762v7"
    _, tab = extension.open_tab(pdf)
    popup = extension.popup_for(tab)
    popup.locator("#saved:not([hidden])").wait_for()
    assert popup.locator("#saved-headline").inner_text() == "Already in your library"
    assert popup.locator("#saved-title").inner_text() == "Attention Is All You Need"
    assert len(papers(papershelf)) == 1
    wait_for(lambda: extension.badge(tab) == "✓", what="the PDF tab's badge")


def test_badge_flips_to_saved_on_the_next_visit(extension, papershelf, arxiv_html):
    page, tab = extension.open_tab("https://arxiv.org/abs/1706.03762")
    title = lambda: extension.evaluate("(t) => chrome.action.getTitle({tabId: t})", tab)  # noqa: E731
    wait_for(lambda: title() == "Save to papershelf (not in your library yet)",
             what="the lookup to answer 'not in the library'")
    assert extension.badge(tab) == ""

    status, _ = papershelf.request("POST", "/api/clip", {"url": ARXIV, "html": arxiv_html})
    assert status == 201
    page.reload()
    wait_for(lambda: extension.badge(tab) == "✓", what="the badge to show the saved paper")
    [paper] = papers(papershelf)
    assert title() == f"In your papershelf library: {paper['citekey']}"


def test_listing_picker_saves_three_chosen_of_six(extension, papershelf):
    _, paper_tab = extension.open_tab(HF_PAPER)
    popup = extension.popup_for(paper_tab)
    popup.locator("#saved:not([hidden])").wait_for()
    [saved] = papers(papershelf)
    assert (saved["arxiv_id"], saved["source"]) == ("2407.07061", "huggingface.co")

    _, tab = extension.open_tab(HF_LISTING)
    picker = extension.popup_for(tab)
    picker.locator("#listing:not([hidden])").wait_for()
    items = picker.locator("#candidates li")
    assert items.count() == 6
    in_library = picker.locator("#candidates li.in-library")
    assert in_library.count() == 1
    assert "Internet of Agents" in in_library.inner_text()
    assert not in_library.locator("input").is_checked()
    assert picker.locator("#selected-count").inner_text() == "5 selected"

    picker.locator("#listing-filter").fill("agentscope")
    assert picker.locator("#candidates li:not([hidden])").count() == 1
    picker.locator("#listing-filter").fill("")

    picker.locator("#select-all").check()
    assert picker.locator("#selected-count").inner_text() == "6 selected"
    picker.locator("#select-all").uncheck()
    assert picker.locator("#selected-count").inner_text() == "0 selected"
    chosen = ["MutDet", "AgentScope", "Just One Byte"]
    for word in chosen:
        items.filter(has_text=word).locator("input").check()
    picker.locator("#listing-tags").fill("daily")
    assert picker.locator("#save-selected").inner_text() == "Save 3 papers"
    picker.locator("#candidates").evaluate("list => { list.scrollTop = 0; }")
    screenshot(picker, f"{extension.name}_listing_picker.png")
    picker.locator("#save-selected").click()
    picker.locator("#saved-many:not([hidden])").wait_for()
    assert picker.locator("#saved-many-headline").inner_text() == "Saved 3 papers"

    stored = papers(papershelf)
    assert len(stored) == 4
    new = [paper for paper in stored if paper["id"] != saved["id"]]
    assert all(any(word in paper["title"] for paper in new) for word in chosen)
    assert all(json.loads(paper["tags"]) == ["daily"] for paper in new)
    screenshot(picker, f"{extension.name}_listing_saved.png")


def test_offline_clip_is_queued_and_lands_exactly_once_after_restart(extension, papershelf):
    papershelf.stop()
    page, tab = extension.open_tab(ARXIV)
    popup = extension.popup_for(tab)
    popup.locator("#queued:not([hidden])").wait_for()
    assert "papershelf is not running at" in popup.locator("#queued-reason").inner_text()
    tag_input = popup.locator("#queued-form .tag-input")
    tag_input.fill("offline")
    popup.locator("#queued-form button[type=submit]").click()
    popup.get_by_text("Kept with the queued clip").wait_for()
    screenshot(popup, f"{extension.name}_popup_queued.png")
    [item] = extension.queue()
    assert (item["state"], item["body"]["url"], item["body"]["tags"]) == ("pending", ARXIV, ["offline"])
    assert "<html" in item["body"]["html"]
    assert extension.evaluate("async () => (await chrome.alarms.get('papershelf-retry-queue'))?.periodInMinutes") == 1

    papershelf.start()
    page.reload()  # the next page visit reaches the server, which drains the queue
    wait_for(lambda: extension.queue() == [], what="the queue to drain")
    [paper] = papers(papershelf)
    assert (paper["arxiv_id"], json.loads(paper["tags"])) == ("1706.03762", ["offline"])

    extension.evaluate("() => chrome.runtime.sendMessage({type: 'drain'})")
    assert len(papers(papershelf)) == 1
    assert len(rows(papershelf.db_path, "select id from clips")) == 1
    assert extension.evaluate("async () => await chrome.alarms.get('papershelf-retry-queue') ?? null") is None


def test_listing_clipped_offline_waits_for_the_readers_choice(extension, papershelf):
    papershelf.stop()
    listing_page, listing_tab = extension.open_tab(HF_LISTING)
    popup = extension.popup_for(listing_tab)
    popup.locator("#queued:not([hidden])").wait_for()

    papershelf.start()
    listing_page.reload()
    wait_for(lambda: [item["state"] for item in extension.queue()] == ["listing"], what="the listing to come back")
    assert papers(papershelf) == []

    _, tab = extension.open_tab(ARXIV)
    later = extension.popup_for(tab)
    later.locator("#saved:not([hidden])").wait_for()
    later.get_by_text("Choose papers from").click()
    later.locator("#listing:not([hidden])").wait_for()
    assert later.locator("#candidates li").count() == 6
    later.locator("#select-all").uncheck()
    later.locator("#candidates li").filter(has_text="AgentScope").locator("input").check()
    later.locator("#save-selected").click()
    later.locator("#saved-many:not([hidden])").wait_for()
    assert later.locator("#saved-many-headline").inner_text() == "Saved 1 paper"
    assert sorted(paper["arxiv_id"] for paper in papers(papershelf)) == ["1706.03762", "2407.17789"]
    assert extension.queue() == []


def test_clip_with_a_wrong_token_is_kept_until_the_token_is_fixed(extension, papershelf):
    extension.configure(papershelf.api_url, "an-old-token")
    _, tab = extension.open_tab(ARXIV)
    popup = extension.popup_for(tab)
    popup.locator("#queued:not([hidden])").wait_for()
    assert "refused the token" in popup.locator("#queued-reason").inner_text()
    assert papers(papershelf) == []

    options = extension.open_options()
    options.locator("#token").fill(papershelf.token)
    options.locator("#test-connection").click()
    options.get_by_text("the token works").wait_for()
    wait_for(lambda: extension.queue() == [], what="the queue to drain after the token was fixed")
    assert [paper["arxiv_id"] for paper in papers(papershelf)] == ["1706.03762"]


class _NotPapershelf(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = b"<!doctype html><title>another app</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def other_app():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotPapershelf)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_options_page_stores_settings_and_explains_each_failure(extension, papershelf, other_app):
    extension.evaluate("() => chrome.storage.local.clear()")
    options = extension.open_options()
    assert options.locator("#server-url").input_value() == "http://127.0.0.1:5178"  # the default
    status = options.locator("#connection-status")

    def check(server_url, token):
        options.locator("#server-url").fill(server_url)
        options.locator("#token").fill(token)
        options.locator("#test-connection").click()
        options.wait_for_function("() => !['', 'Testing…'].includes(document.querySelector('#connection-status').textContent)")
        return status.inner_text()

    assert check(papershelf.api_url, papershelf.token).startswith("Connected to papershelf")
    stored = extension.evaluate("() => chrome.storage.local.get(['serverUrl', 'token'])")
    assert stored == {"serverUrl": papershelf.api_url, "token": papershelf.token}
    screenshot(options, f"{extension.name}_options_connected.png")
    assert options.locator("#permissions").is_hidden()  # both grant host access at (temporary) install
    commands = extension.evaluate("() => chrome.commands.getAll()")
    assert {"name": "_execute_action", "shortcut": "Alt+Shift+S"}.items() <= next(
        command for command in commands if command["name"] == "_execute_action").items()

    assert "refused the token" in check(papershelf.api_url, "not-the-token")
    assert "it is not papershelf. Check the port" in check(other_app, papershelf.token)
    papershelf.stop()
    assert check(papershelf.api_url, papershelf.token).startswith(f"papershelf is not running at {papershelf.api_url}")
    screenshot(options, f"{extension.name}_options_not_running.png")


WITHDRAW_HOST_ACCESS = """async () => {
    try { return await chrome.permissions.remove({origins: ["<all_urls>"]}); } catch (error) { return error.message; }
}"""


def test_host_access_withdrawn_in_firefox_is_asked_for_again_on_the_options_page(extension, papershelf):
    options = extension.open_options()
    if extension.name == "chromium":
        # Chromium grants the manifest's host access at install and keeps it out of the extension's hands.
        assert extension.evaluate(WITHDRAW_HOST_ACCESS) == "You cannot remove required permissions."
        assert options.locator("#permissions").is_hidden()
        return
    # Firefox lets the reader withdraw it (about:addons → Permissions); the open page follows at once.
    assert extension.evaluate(WITHDRAW_HOST_ACCESS) is True
    options.locator("#permissions:not([hidden])").wait_for()
    assert "Allow access to the pages you read" in options.locator("#permissions").inner_text()

    _, tab = extension.open_tab(ARXIV)
    popup = extension.popup_for(tab)
    popup.locator("#saved:not([hidden])").wait_for()
    assert popup.locator("#access-hint").is_visible()
    [paper] = papers(papershelf)  # the address and the tab's title alone: no authors, no abstract
    assert (paper["arxiv_id"], json.loads(paper["authors"]), paper["abstract"]) == ("1706.03762", [], None)
    screenshot(popup, f"{extension.name}_popup_no_access.png")

    options.locator("#grant").click()
    prompt = extension.driver.answer_permission_prompt(accept=True)
    assert "Access your data for all websites" in prompt
    options.get_by_text("Thank you: access granted.").wait_for()
    assert options.locator("#permissions").is_hidden()
    popup.locator("#access-hint").wait_for(state="hidden")

    _, again = extension.open_tab(ARXIV)
    popup = extension.popup_for(again)
    popup.locator("#saved:not([hidden])").wait_for()
    assert popup.locator("#saved-byline").inner_text() == "Ashish Vaswani et al. · 2017"
    [paper] = papers(papershelf)
    assert len(json.loads(paper["authors"])) == 8


# Saved pages of sites read by #12 (tests/fixtures/pages, in extension_support.PROJECT_SITE).
def test_acm_search_listing_marks_the_article_already_saved(extension, papershelf):
    _, article_tab = extension.open_tab("https://dl.acm.org/doi/abs/10.1145/3371158.3371232")
    extension.popup_for(article_tab).locator("#saved:not([hidden])").wait_for()
    [saved] = papers(papershelf)
    assert (saved["doi"], saved["source"]) == ("10.1145/3371158.3371232", "dl.acm.org")

    _, tab = extension.open_tab("https://dl.acm.org/action/doSearch?AllField=nlp")
    picker = extension.popup_for(tab)
    picker.locator("#listing:not([hidden])").wait_for()
    assert picker.locator("#candidates li").count() == 10
    marked = picker.locator("#candidates li.in-library")
    assert marked.count() == 1 and "Graph-based Deep Learning" in marked.inner_text()
    assert picker.locator("#selected-count").inner_text() == "9 selected"
    picker.locator("#select-all").check()
    picker.locator("#select-all").uncheck()
    assert picker.locator("#selected-count").inner_text() == "0 selected"
    picker.locator("#candidates li").filter(has_text="Learning Question Similarity").locator("input").check()
    picker.locator("#save-selected").click()
    picker.locator("#saved-many:not([hidden])").wait_for()
    stored = papers(papershelf)
    assert sorted(paper["doi"] for paper in stored) == ["10.1145/3371158.3371232", "10.1145/3380688.3380713"]
    assert json.loads(stored[1]["authors"]) == ["Pooja Bihani", "Ashay Walke"]


def test_dblp_person_listing_saves_then_marks_what_was_saved(extension, papershelf):
    url = "https://dblp.uni-trier.de/pers/hd/c/Clauset:Aaron"
    _, tab = extension.open_tab(url)
    picker = extension.popup_for(tab)
    picker.locator("#listing:not([hidden])").wait_for()
    assert picker.locator("#candidates li").count() == 31
    picker.locator("#select-all").uncheck()
    picker.locator("#candidates li").filter(has_text="Genetic algorithms and self-organizing maps").locator("input").check()
    picker.locator("#save-selected").click()
    picker.locator("#saved-many:not([hidden])").wait_for()
    [stored] = papers(papershelf)
    assert (stored["doi"], stored["year"]) == ("10.1007/s10822-004-5321-2", 2004)

    _, again = extension.open_tab(url)
    later = extension.popup_for(again)
    later.locator("#listing:not([hidden])").wait_for()
    marked = later.locator("#candidates li.in-library")
    assert marked.count() == 1 and "Genetic algorithms" in marked.inner_text()


# Reads the clipboard in Firefox's chrome context: web and extension pages may not read it.
FIREFOX_CLIPBOARD = """
const transfer = Cc["@mozilla.org/widget/transferable;1"].createInstance(Ci.nsITransferable);
transfer.init(null);
transfer.addDataFlavor("text/plain");
Services.clipboard.getData(transfer, Services.clipboard.kGlobalClipboard);
const data = {};
transfer.getTransferData("text/plain", data);
return data.value.QueryInterface(Ci.nsISupportsString).data;
"""


def clipboard_text(extension, page):
    """Return the text on the browser's clipboard."""
    if extension.name == "firefox":
        driver = extension.driver.driver
        with driver.context(driver.CONTEXT_CHROME):
            return driver.execute_script(FIREFOX_CLIPBOARD)
    context = extension.driver.context
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        return page.evaluate("() => navigator.clipboard.readText()")
    finally:
        context.clear_permissions()


def test_popup_copies_the_reference_in_the_chosen_style(extension, papershelf, arxiv_html):
    status, answer = papershelf.request("POST", "/api/clip", {"url": ARXIV, "html": arxiv_html})
    assert status == 201
    _, tab = extension.open_tab(ARXIV)
    popup = extension.popup_for(tab)
    popup.locator("#saved:not([hidden])").wait_for()
    popup.locator("#cite-style").evaluate(
        "(select) => { select.value = 'ieee'; select.dispatchEvent(new Event('change')); }")
    popup.locator("#copy-reference").click()
    popup.get_by_text("Reference copied").wait_for()
    status, expected = papershelf.request("GET", f"/api/papers/{answer['paper']['id']}/cite?style=ieee")
    assert status == 200 and expected["text"].startswith("[1] A. Vaswani et al., “Attention Is All You Need”")
    assert clipboard_text(extension, popup) == expected["text"]
    # The style is remembered for the next paper.
    popup.close()
    popup = extension.popup_for(tab)
    popup.locator("#saved:not([hidden])").wait_for()
    popup.wait_for_function("() => document.querySelector('#cite-style').value === 'ieee'")
