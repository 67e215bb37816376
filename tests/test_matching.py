"""Whether a search hit is the paper asked about: the recorded hits, true and false."""

import json

import pytest

from papershelf.server import matching, resolve, semanticscholar
from tests.upstream import OWN

ATTENTION = {"title": "Attention Is All You Need", "arxiv_id": "1706.03762", "year": 2017,
             "authors": ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"]}
CHEMCROW = {"title": "ChemCrow: Augmenting large-language models with chemistry tools",
            "arxiv_id": "2304.05376", "year": 2023, "authors": ["Andres M Bran", "Sam Cox"]}


def crossref_hits(name):
    items = json.loads((OWN / "crossref" / name).read_text())["message"]["items"]
    return [resolve.parse_crossref(item) for item in items]


def test_crossrefs_best_guess_for_attention_is_another_paper():
    hit, = crossref_hits("crossref_search_query_title_author_attention_is_all_you_need_rows1.json")
    assert hit["title"] == "Self-Attention with Relative Position Representations"
    assert "Ashish Vaswani" in hit["authors"]  # a shared author does not make it the paper
    assert not matching.same_paper(ATTENTION, hit)


def test_the_journal_version_of_chemcrow_is_chemcrow():
    hit, = crossref_hits("crossref_search_query_title_augmenting_llm_chemistry_tools_rows1.json")
    # Published without the "ChemCrow:" prefix; Crossref splits "Andres" / "M. Bran".
    assert hit["title"] == "Augmenting large language models with chemistry tools"
    assert hit["authors"][0] == "Andres M. Bran"
    assert matching.same_paper(CHEMCROW, hit)


def test_semantic_scholar_names_the_arxiv_id():
    data = json.loads((OWN / "semanticscholar"
                       / "s2_search_match_attention_is_all_you_need_arXiv_1706.03762.json").read_text())
    record = semanticscholar.parse_paper(data["data"][0])
    assert matching.same_paper(ATTENTION, record)
    assert not matching.same_paper({**ATTENTION, "arxiv_id": "1706.03763"}, record)


@pytest.mark.parametrize("theirs, same", [
    ({"title": "Attention is all you need!", "authors": ["A. Vaswani"], "year": 2018}, True),
    ({"title": "Attention is all you need", "authors": ["Noam Shazeer"], "year": 2017}, False),
    ({"title": "Attention is all you need", "authors": ["Ashish Vaswani"], "year": 2031}, False),
    ({"title": "Attention is not all you need", "authors": ["Ashish Vaswani"], "year": 2017},
     False),
    ({"title": "Attention Is All You Need", "authors": [], "year": 2017}, False),
    ({"title": "Another title", "doi": "10.1/x", "authors": ["Ashish Vaswani"]}, False),
])
def test_title_first_author_and_year_must_agree(theirs, same):
    assert matching.same_paper({**ATTENTION, "arxiv_id": None}, theirs) is same


def test_a_shared_doi_is_the_same_paper_whatever_the_title():
    assert matching.same_paper({"doi": "10.1/X", "title": "One"}, {"doi": "10.1/x", "title": "Two"})


def test_a_long_name_before_a_colon_is_part_of_the_title():
    ours = {"title": "Deep learning for the analysis of sequences: a survey", "year": 2020,
            "authors": ["Ann Lee"]}
    theirs = {"title": "A survey", "year": 2020, "authors": ["Ann Lee"]}
    assert not matching.same_paper(ours, theirs)
