"""The faster readings of long listings (#12 speed) give what the general ones give.

OpenReview abstracts are collapsed with str.replace where only spaces and line breaks
are in them, CVF's BibTeX text is gathered by libxml2, a Scholar result is searched
for its [PDF] link only when its text names one: each is checked here against the
general reading, on constructed markup (the real pages are in tests/golden/pages).
"""

import pytest

from papershelf.server.extractors import extract, htmltools, openreview


def page(body, title="Results"):
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


@pytest.mark.parametrize("value", [
    "Training networks\n      to generate\n      images.",
    "  leading and trailing  \n",
    "a\tb", "a\rb\r\nc", "a\x0bb", "a\x0cb", "a\x1cb\x1db\x1eb\x1fb",
    "no\u00a0break", "em\u2003space", "ideographic\u3000space", "line\u2028sep",
    "caf\u00e9 na\u00efve\n   r\u00e9sum\u00e9", "$x^2$ and   $y$", "single", "   ", "\n\n",
])
def test_openreview_long_text_equals_the_general_text(value):
    # Parsed, not built: the parser keeps control characters lxml's API refuses.
    span = next(htmltools.parse(f"<ul><li><span>{value}</span></li></ul>").iter("span"))
    assert span.text == value.replace("\r\n", "\n").replace("\r", "\n") or not value.strip()
    assert openreview._long_text(span) == htmltools.text(span)


def test_openreview_long_text_of_an_element_with_children_or_hidden_is_the_general_text():
    value = htmltools.parse("<div><span>An <b>abstract</b>\n  with\n  markup</span>"
                            "<script>var   x =\n 1</script><p>a\n  b</p></div>")
    for element in value.iter("span", "script", "p"):
        assert openreview._long_text(element) == htmltools.text(element)


def test_openreview_venue_notes_with_a_recaptcha_widget_are_read():
    note = """<li class="note"><h4><a href="https://openreview.net/forum?id=n{n}">Note {n}</a></h4>
      <div class="note-authors">Anonymous</div>
      <div class="note-meta-info"><span class="date">28 Oct 2017</span>
      <span>ICLR 2018 Conference Blind Submission</span><span>4 Replies</span></div>
      <div class="collapse"><ul class="note-content"><li>
      <strong class="note-content-field">Abstract:</strong>
      <span class="note-content-value">First line\n      second\tline</span></li><li>
      <strong class="note-content-field">TL;<em>DR</em>:</strong>
      <span class="note-content-value">Short\n   summary</span></li></ul></div></li>"""
    html = page("<div class='g-recaptcha'></div><ul class='submissions-list'>"
                + "".join(note.format(n=n) for n in (1, 2)) + "</ul>")
    result = extract("https://openreview.net/group?id=ICLR.cc/2018/Conference", html)
    # A page that shows notes is read, whatever widget it also carries.
    assert (result.error or None, result.listing, len(result.papers)) == (None, True, 2)
    assert result.papers[1] == {
        "title": "Note 2", "url": "https://openreview.net/forum?id=n2",
        "source": "openreview.net", "entry_type": "misc",
        "extra": {"openreview_id": "n2", "tldr": "Short summary",
                  "openreview_venue": "ICLR 2018 Conference Blind Submission"},
        "published": "2017-10-28", "abstract": "First line second line", "year": 2017}


def test_openreview_page_without_notes_but_a_challenge_widget_is_the_bot_check():
    html = page("<div class='cf-turnstile'></div><p>One moment</p>", title="OpenReview")
    result = extract("https://openreview.net/group?id=ICLR.cc/2018/Conference", html)
    assert (result.papers, result.error) == ([], htmltools.BOT_CHECK_ERROR)


def test_cvf_bibtex_read_across_its_line_breaks_and_markup():
    entry = """<dt class="ptitle"><br><a href="/content/x/html/P{n}_paper.html">Paper {n}</a></dt>
      <dd><form class="authsearch"><a href="#">Ann Lee</a>,</form>
      <form class="authsearch"><a href="#">Bo Chen</a></form></dd>
      <dd>[<a href="/content/x/papers/P{n}_paper.pdf">pdf</a>]
      <div class="link2"><div class="bibref">@InProceedings{{P{n},<br>
      author = {{Lee, Ann and Chen, Bo}},<br>
      booktitle = {{The IEEE <i>International</i> Conference on Computer Vision (ICCV)}},<br>
      month = {{December}},<br>year = {{2015}}<br>}}</div></div></dd>"""
    html = page("<dl>" + "".join(entry.format(n=n) for n in (1, 2)) + "</dl>")
    result = extract("https://openaccess.thecvf.com/ICCV2015", html)
    assert (result.extractor, result.listing) == ("cvf", True)
    assert result.papers[0] == {
        "title": "Paper 1", "url": "https://openaccess.thecvf.com/content/x/html/P1_paper.html",
        "authors": ["Ann Lee", "Bo Chen"], "source": "openaccess.thecvf.com",
        "entry_type": "inproceedings",
        "pdf_url": "https://openaccess.thecvf.com/content/x/papers/P1_paper.pdf",
        "venue": "The IEEE International Conference on Computer Vision (ICCV)",
        "published": "2015-12", "year": 2015}


def test_scholar_pdf_link_found_only_where_marked():
    result_block = """<div class="gs_r gs_or gs_scl" data-cid="c{n}">{side}<div class="gs_ri">
      <h3 class="gs_rt"><a href="https://example.org/paper{n}">Paper {n}</a></h3>
      <div class="gs_a">A Author, B Author - Journal of Tests, 2021 - example.org</div>
      <div class="gs_rs">A snippet …</div></div></div>"""
    side = ('<div class="gs_ggs gs_fl"><a href="https://example.org/paper1.pdf">'
            '<span class="gs_ctg2">[PDF]</span> example.org</a></div>')
    html = page(result_block.format(n=1, side=side) + result_block.format(n=2, side=""))
    result = extract("https://scholar.google.com/scholar?q=tests", html)
    assert [p.get("pdf_url") for p in result.papers] == ["https://example.org/paper1.pdf", None]
    assert [p["venue"] for p in result.papers] == ["Journal of Tests"] * 2
