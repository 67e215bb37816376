"""Citation keys: the default formula, configured formulas, collisions, stability, rekey."""

import pytest
from click.testing import CliRunner

from papershelf.server import citekeys, store
from papershelf.server.citekeys import base_key, is_safe_key, unique_key
from papershelf.server.cli import cli
from papershelf.server.rekey import rekey

ATTENTION = {"title": "Attention Is All You Need", "year": 2017,
             "authors": ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"]}


@pytest.fixture(autouse=True)
def default_formula(home, monkeypatch):
    monkeypatch.delenv("PAPERSHELF_CITEKEY_FORMAT", raising=False)


def test_default_formula_is_family_year_first_significant_word():
    assert base_key(ATTENTION) == "vaswani2017attention"
    assert base_key({"title": "The Transformer: On Attention", "year": 2020,
                     "authors": ["Łukasz Kaiser-Łukasiewicz"]}) == "kaiserlukasiewicz2020transformer"
    assert base_key({"title": "Über Gödel", "year": 1931,
                     "authors": ["García Márquez, Juan"]}) == "garciamarquez1931uber"
    assert base_key({"title": "?", "authors": []}) == "anon"


@pytest.mark.parametrize("template, expected", [
    ("{Auth}{year}{Title}", "Vaswani2017Attention"),
    ("{auth}:{yy}:{shorttitle}", "vaswani:17:attentionallyou"),
    ("{auth2}{year}", "vaswanishazeer2017"),
    ("{authEtAl}{year}", "vaswaniEtAl2017"),
    ("{auth} {year}/{title}!", "vaswani2017attention"),  # unsafe literal characters dropped
])
def test_configured_formulas(template, expected):
    assert base_key(ATTENTION, template) == expected


def test_formula_from_environment_and_config_file(home, monkeypatch):
    (home / "config.yml").write_text("citekey_format: '{Auth}{year}'\n")
    assert base_key(ATTENTION) == "Vaswani2017"
    monkeypatch.setenv("PAPERSHELF_CITEKEY_FORMAT", "{auth}_{title}")
    assert base_key(ATTENTION) == "vaswani_attention"


def test_unknown_placeholder_is_an_error():
    with pytest.raises(ValueError, match="unknown citation key placeholder {author}"):
        citekeys.check_format("{author}{year}")
    citekeys.check_format(citekeys.DEFAULT_FORMAT)


def test_collision_suffixes_run_a_to_z_then_aa():
    taken = {"k"} | {"k" + citekeys._letters(n) for n in range(27)}
    assert [citekeys._letters(n) for n in (0, 25, 26, 27, 701, 702)] == [
        "a", "z", "aa", "ab", "zz", "aaa"]
    assert unique_key("k", taken.__contains__) == "kab"
    assert unique_key("free", taken.__contains__) == "free"


def test_safe_keys():
    assert [is_safe_key(k) for k in ("vaswani2017attention", "Knuth:1984:TB", "baez/article",
                                     "a-b_c.d+e")] == [True] * 4
    assert [is_safe_key(k) for k in ("", "a b", "a{b}", "a,b", "käse", "a%b", "x" * 201)] == [
        False] * 7


def test_thirty_papers_by_chen_2024_get_thirty_distinct_keys(db):
    keys = [store.save_paper(db, {"title": f"Deep Learning Part {i}", "authors": ["Wei Chen"],
                                  "year": 2024}).paper["citekey"] for i in range(30)]
    assert keys == ["chen2024deep"] + ["chen2024deep" + citekeys._letters(n) for n in range(29)]
    assert len({k.casefold() for k in keys}) == 30


def test_collisions_are_case_insensitive(db):
    store.save_paper(db, {"title": "Other", "citekey": "Chen2024Deep", "authors": ["X Y"]})
    paper = store.save_paper(db, {"title": "Deep Nets", "authors": ["Wei Chen"], "year": 2024})
    assert paper.paper["citekey"] == "chen2024deepa"


def test_key_survives_a_new_title_and_year(db):
    first = store.save_paper(db, {"title": "Attention Is All You Need", "authors": ["A Vaswani"],
                                  "year": 2017, "arxiv_id": "1706.03762v1"})
    second = store.save_paper(db, {"title": "Transformers Rule", "authors": ["A Vaswani"],
                                   "year": 2023, "arxiv_id": "1706.03762v7"})
    assert second.status == "updated"
    assert (second.paper["title"], second.paper["year"]) == ("Transformers Rule", 2023)
    assert second.paper["citekey"] == first.paper["citekey"] == "vaswani2017attention"


def test_rekey_is_explicit_and_stable(db, monkeypatch):
    a = store.save_paper(db, {"title": "Attention Is All You Need", "authors": ["A Vaswani"],
                              "year": 2017, "citekey": "old:key"}).paper
    b = store.save_paper(db, {"title": "Attention Again", "authors": ["A Vaswani"],
                              "year": 2017}).paper
    assert (a["citekey"], b["citekey"]) == ("old:key", "vaswani2017attention")
    assert rekey(db, ["OLD:KEY"]) == {"old:key": "vaswani2017attentiona"}
    assert rekey(db) == {}  # running it again changes nothing
    monkeypatch.setenv("PAPERSHELF_CITEKEY_FORMAT", "{Auth}{year}")
    # Papers are rekeyed in the order they were added: the older one gets the bare key.
    assert rekey(db) == {"vaswani2017attentiona": "Vaswani2017",
                                  "vaswani2017attention": "Vaswani2017a"}
    assert store.get_paper(db, a["id"])["citekey"] == "Vaswani2017"
    with pytest.raises(KeyError):
        rekey(db, ["nope"])


def test_rekey_command(db_path):
    from papershelf.server.schema import open_db

    db = open_db(db_path)
    store.save_paper(db, {"title": "Attention Is All You Need", "authors": ["A Vaswani"],
                          "year": 2017, "citekey": "mine"})
    db.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db_path), "rekey", "mine"])
    assert (result.exit_code, result.stdout) == (0, "mine -> vaswani2017attention\n")
    result = runner.invoke(cli, ["--db", str(db_path), "rekey"])
    assert result.exit_code != 0 and "give citation keys or --all" in result.output
    result = runner.invoke(cli, ["--db", str(db_path), "rekey", "nope"])
    assert result.exit_code != 0 and "no paper with key nope" in result.output
