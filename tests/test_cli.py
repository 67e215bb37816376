"""The `papershelf` command line, run as a user runs it."""

import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from papershelf.server.cli import cli

ARXIV_PAGE = "arxiv_abs_1706.03762v7_2026.html"


def run(*args, home=None):
    runner = CliRunner()
    return runner.invoke(cli, list(args), catch_exceptions=False)


def all_commands(group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


def test_every_command_has_help_with_an_example_of_itself():
    for path, command in all_commands(cli):
        result = run(*path, "--help")
        assert result.exit_code == 0, path
        examples = re.findall(r"^\s*Example: (.+)$", result.output, re.MULTILINE)
        assert examples, f"no example in the help of {' '.join(path)}"
        for example in examples:
            words = shlex.split(example)
            assert words[:len(path) + 1] == ["papershelf", *path], example
            # Every option the example uses is one this command (or its subcommand) has.
            target = command
            if isinstance(command, click.Group):
                target = command.commands[words[len(path) + 1]]
            known = {opt for param in target.params for opt in param.opts + param.secondary_opts}
            used = {w.split("=")[0] for w in words if w.startswith("-")}
            assert used <= known, (example, used - known)


def test_add_from_saved_page_then_same_paper_again(home, pages_dir):
    page = str(pages_dir / ARXIV_PAGE)
    first = run("add", "--offline", "--html", page, "https://arxiv.org/abs/1706.03762v7", "--tag", "nlp",
                "--note", "must read")
    assert first.exit_code == 0 and first.stdout.strip() == "vaswani2017attention"
    again = run("add", "--offline", "--html", page, "https://arxiv.org/abs/1706.03762v1")
    assert again.exit_code == 0 and again.stdout.strip() == "vaswani2017attention"
    listed = run("list", "--json")
    papers = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(papers) == 1
    paper = papers[0]
    assert (paper["title"], len(paper["authors"]), paper["arxiv_id"], paper["tags"], paper["note"]) == (
        "Attention Is All You Need", 8, "1706.03762", ["nlp"], "must read")
    assert "Ashish Vaswani" in run("search", "transduction").stdout
    assert json.loads(run("stats", "--json").stdout)["papers"] == 1


def test_global_db_option_chooses_the_file(home, tmp_path, pages_dir):
    other = tmp_path / "elsewhere.db"
    result = run("--db", str(other), "add", "--offline", "--html", str(pages_dir / ARXIV_PAGE),
                 "https://arxiv.org/abs/1706.03762")
    assert result.exit_code == 0 and other.exists()
    assert not (home / "papershelf.db").exists()


def test_token_prints_the_same_token_each_time(home):
    first, second = run("token").stdout.strip(), run("token").stdout.strip()
    assert first == second == (home / "token").read_text().strip()


@pytest.mark.parametrize("args, message", [
    (["add", "--html", "/nonexistent.html", "https://x.org"], "does not exist"),
    (["--db", "/proc/forbidden/x.db", "add", "--offline", "2101.00001"], "cannot open database"),
    (["--db", "/proc/forbidden/x.db", "list"], "no library at /proc/forbidden/x.db (--db)"),
])
def test_errors_are_one_line_on_stderr_with_nonzero_exit(home, args, message):
    result = subprocess.run([sys.executable, "-m", "papershelf.server.cli", *args], capture_output=True,
                            text=True, env={"PAPERSHELF_HOME": str(home), "PATH": ""})
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_add_of_an_empty_page_fails_cleanly(home, tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("")
    result = subprocess.run([sys.executable, "-m", "papershelf.server.cli", "add", "--offline", "--html", str(page),
                             "https://example.org/nothing"], capture_output=True, text=True,
                            env={"PAPERSHELF_HOME": str(home)})
    # An empty page is either refused with one line, or kept as a web page record.
    if result.returncode:
        assert len(result.stderr.strip().splitlines()) == 1 and "Error" in result.stderr
    else:
        assert result.stdout.strip()


# --- #13: one clear line, never a traceback, never a terminal escape ----------------------

def papershelf(*args, home, env=None, stdin=None):
    """Run the real command line as a user does; return the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "papershelf.server.cli", *args], capture_output=True,
                          text=True, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                          env={**os.environ, "PAPERSHELF_HOME": str(home), **(env or {})}, timeout=120)


def one_line_error(result, message):
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines() == [f"Error: {message}"]


@pytest.mark.parametrize("content, message", [
    ('{"papers": ' + "[" * 100_000 + "]" * 100_000 + "}", "JSON nested too deeply (more than 20 levels)"),
    ('{"papers": [{"title": "T", "year": 18446744073709551616}]}',
     "papers[0]['year'] is a number out of range (more than 64 bits)"),
    ('{"papers": [{"title": "T", "arxiv_version": 1e999}]}', "papers[0]['arxiv_version'] is not a finite number"),
])
def test_import_of_hostile_json_is_one_line(home, tmp_path, content, message):
    path = tmp_path / "library.json"
    path.write_text(content)
    one_line_error(papershelf("import", str(path), home=home), f"cannot import {path}: {message}")


def test_import_drops_links_that_are_not_web_links(home, tmp_path):
    path = tmp_path / "library.json"
    path.write_text(json.dumps({"papers": [{"title": "T", "citekey": "t2020", "url": "javascript:alert(1)",
                                            "pdf_url": "data:text/html,x", "code_url": "https://github.com/a/b"}]}))
    result = papershelf("import", str(path), home=home)
    assert result.returncode == 0, result.stderr
    assert f"{path}:1: t2020: warning: url dropped: not an http(s) link" in result.stderr
    paper = json.loads(papershelf("list", "--json", home=home).stdout)
    assert (paper["url"], paper["pdf_url"], paper["code_url"]) == (None, None, "https://github.com/a/b")


def test_keys_and_messages_from_a_bib_file_are_never_raw_escapes(home, tmp_path):
    bib = tmp_path / "evil.bib"
    bib.write_text("@article{k\x1b]0;pwned\x07,\n  title = {Owned \x1b[2J title},\n  author = {A B},"
                   " year = 2020}\n@article{notitle\x1b]52;c;bad\x07, year = 2021}\n", encoding="utf-8")
    result = papershelf("import", str(bib), home=home)
    listed = papershelf("list", home=home)
    rekeyed = papershelf("rekey", "--all", "--dry-run", home=home)
    for output in (result.stdout, result.stderr, listed.stdout, listed.stderr, rekeyed.stdout, rekeyed.stderr):
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", output), repr(output)
    assert "\\x1b" in result.stderr + listed.stdout


def test_bidirectional_overrides_from_a_bib_file_are_shown_escaped(home, tmp_path):
    # U+202E printed raw reverses the rest of the line: "txt.exe" would read "exe.txt".
    bib = tmp_path / "bidi.bib"
    bib.write_text("@article{k2020,\n  title = {Invoice \u202etxt.exe\u202c and \u2066isolated\u2069},"
                   "\n  author = {A B}, year = 2020}\n", encoding="utf-8")
    assert papershelf("import", str(bib), home=home).returncode == 0
    listed = papershelf("list", home=home)
    as_json = papershelf("list", "--json", home=home)
    for output in (listed.stdout, listed.stderr, as_json.stdout):
        assert not re.search("[\u202a-\u202e\u2066-\u2069]", output), repr(output)
    assert "Invoice \\u202etxt.exe\\u202c and \\u2066isolated\\u2069" in listed.stdout
    # The JSON escapes are JSON's own: the title reads back as it was stored.
    assert json.loads(as_json.stdout)["title"] == "Invoice \u202etxt.exe\u202c and \u2066isolated\u2069"


def test_add_html_of_a_latin1_page_reads_its_declared_charset(home, tmp_path):
    page = tmp_path / "page.html"
    # ISO-8859-1 as declared; 0x93/0x94 are curly quotes, as browsers read that label (windows-1252).
    page.write_bytes('<html><head><meta charset="ISO-8859-1"><title>x</title>'
                     '<meta name="citation_title" content="Étude des réseaux “profonds”">'
                     '<meta name="citation_author" content="Müller, Jürgen">'
                     '<meta name="citation_publication_date" content="2019"></head></html>'.encode("cp1252"))
    result = papershelf("add", "--offline", "--html", str(page), "https://example.org/etude", home=home)
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("muller2019etude\n", "created: Étude des réseaux “profonds”\n")
    paper = json.loads(papershelf("list", "--json", home=home).stdout)
    assert (paper["title"], paper["authors"]) == ("Étude des réseaux “profonds”", ["Jürgen Müller"])


@pytest.mark.parametrize("command", [["stats"], ["list"], ["search", "x"], ["export", "bibtex"],
                                     ["export", "json"], ["reextract"], ["rekey", "--all"], ["datasette"]])
def test_a_read_only_command_on_a_missing_library_is_an_error_and_creates_nothing(tmp_path, command):
    typo = tmp_path / "typo" / "path.db"
    result = papershelf("--db", str(typo), *command, home=tmp_path / "home")
    one_line_error(result, f"no library at {typo} (--db): check the path; `papershelf add`, `import` or"
                           " `serve` creates one")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_db_works_after_the_command_too(home, tmp_path, pages_dir):
    other = tmp_path / "x.db"
    added = papershelf("add", "--offline", "--html", str(pages_dir / ARXIV_PAGE), "https://arxiv.org/abs/1706.03762",
                       "--db", str(other), home=home)
    assert added.returncode == 0, added.stderr
    assert other.exists() and not (home / "papershelf.db").exists()
    assert papershelf("list", "--db", str(other), home=home).stdout.startswith("vaswani2017attention")
    exported = papershelf("export", "bibtex", "--db", str(other), home=home)
    assert exported.stdout.startswith("@misc{vaswani2017attention,")
    indexed = papershelf("pdfs", "index", "--db", str(other), home=home)  # a group's subcommand
    assert indexed.returncode == 0, indexed.stderr
    assert not (home / "papershelf.db").exists()


def test_every_command_takes_db_after_its_name():
    for path, _ in all_commands(cli):
        assert "--db PATH" in run(*path, "--help").output, path


def test_papershelf_db_errors_name_the_variable(home, tmp_path):
    result = papershelf("stats", home=home, env={"PAPERSHELF_DB": str(tmp_path)})
    one_line_error(result, f"PAPERSHELF_DB={tmp_path} is a folder: give the path of a database file")
    missing = papershelf("stats", home=home, env={"PAPERSHELF_DB": str(tmp_path / "none.db")})
    assert "(PAPERSHELF_DB)" in missing.stderr and "--db" not in missing.stderr.split(":")[1]
    flag = papershelf("--db", str(tmp_path), "stats", home=home)
    one_line_error(flag, f"--db {tmp_path} is a folder: give the path of a database file")


@pytest.fixture
def library_of_three(home, pages_dir):
    assert papershelf("add", "--offline", "--html", str(pages_dir / ARXIV_PAGE),
                      "https://arxiv.org/abs/1706.03762", "--tag", "nlp", home=home).returncode == 0
    for n in (1, 2):
        page = home / f"p{n}.html"
        page.write_text(f'<meta name="citation_title" content="Sequence paper {n}">'
                        f'<meta name="citation_author" content="Ada Lovelace"><meta name="citation_date" content="202{n}">')
        assert papershelf("add", "--offline", "--html", str(page), f"https://example.org/{n}", home=home).returncode == 0
    return home


@pytest.mark.parametrize("kind", ["bibtex", "json", "csl-json"])
def test_output_dash_is_stdout(library_of_three, tmp_path, monkeypatch, kind):
    monkeypatch.chdir(tmp_path)
    dashed = papershelf("export", kind, "-o", "-", home=library_of_three)
    plain = papershelf("export", kind, home=library_of_three)
    assert dashed.returncode == 0, dashed.stderr
    assert dashed.stdout == plain.stdout and "vaswani2017attention" in dashed.stdout
    assert not (tmp_path / "-").exists()  # no file named "-"


def test_export_filters_that_select_nothing_say_so(library_of_three):
    bad = papershelf("export", "bibtex", "--since", "yesterday", home=library_of_three)
    assert bad.returncode == 2 and "Invalid value for '--since': 'yesterday' is not a date (YYYY-MM-DD)" in bad.stderr
    empty = papershelf("export", "bibtex", "--tag", "nosuchtag", home=library_of_three)
    assert (empty.returncode, empty.stdout, empty.stderr) == (0, "", "no papers selected (--tag nosuchtag)\n")
    future = papershelf("export", "json", "--where", "year > 3000", home=library_of_three)
    assert future.stderr == "no papers selected (--where year > 3000)\n"
    assert papershelf("export", "bibtex", "--since", "2020-01-01", home=library_of_three).stderr == ""


def test_list_and_search_say_when_they_cut(library_of_three):
    listed = papershelf("list", "--limit", "2", home=library_of_three)
    assert (len(listed.stdout.splitlines()), listed.stderr) == (2, "2 of 3 shown (--limit)\n")
    assert papershelf("list", home=library_of_three).stderr == ""
    found = papershelf("search", "sequence", "--limit", "1", home=library_of_three)
    assert (len(found.stdout.splitlines()), found.stderr) == (1, "1 of 3 shown (--limit)\n")
    none = papershelf("search", "zeolite", home=library_of_three)
    assert (none.stdout, none.stderr) == ("", "no papers match 'zeolite'\n")
    assert papershelf("list", "--tag", "nosuchtag", home=library_of_three).stderr == "no papers with tag nosuchtag\n"


def test_search_without_words_or_with_an_absurd_limit_is_one_line(library_of_three):
    for query in ("", "   "):
        one_line_error(papershelf("search", query, home=library_of_three), "give words to search for")
    huge = papershelf("search", "sequence", "--limit", str(2**63 - 1), home=library_of_three)
    assert huge.returncode == 2 and "Traceback" not in huge.stderr
    assert "Invalid value for '--limit'" in huge.stderr


def as_unprivileged(*args):
    """The command line run so that file modes bind it, even as root (whose capabilities go)."""
    return ["setpriv", "--inh-caps=-all", "--bounding-set=-all", *args] if os.geteuid() == 0 \
        else list(args)


def test_a_read_only_library_is_a_one_line_error(library_of_three, pages_dir):
    db = library_of_three / "papershelf.db"
    db.chmod(0o444)
    result = subprocess.run(as_unprivileged(
        sys.executable, "-m", "papershelf.server.cli", "add", "--offline", "--html",
        str(pages_dir / ARXIV_PAGE), "https://arxiv.org/abs/1706.03762v2", "--tag", "more"),
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PAPERSHELF_HOME": str(library_of_three)})
    one_line_error(result, f"{db}: attempt to write a readonly database")


def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path, home):
    other = tmp_path / "notes.db"
    conn = sqlite3.connect(other)
    conn.execute("create table notes (body text)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    for command in (["list"], ["add", "--offline", "2101.00001"]):
        one_line_error(papershelf("--db", str(other), *command, home=home),
                       f"{other} is not a papershelf library (it holds another program's tables):"
                       " give another --db")
    assert other.read_bytes() == before


@pytest.mark.parametrize("setting, message", [
    ("citekey_format: '{nosuch}{year}'", "citekey_format: unknown citation key placeholder"
                                         " {nosuch} in '{nosuch}{year}'"),
    ("citekey_format: 5", "citekey_format must be text such as '{auth}{year}{title}'"),
])
def test_a_wrong_key_formula_is_one_line_and_makes_no_key(home, pages_dir, setting, message):
    home.mkdir(exist_ok=True)
    (home / "config.yml").write_text(setting + "\n")
    result = papershelf("add", "--offline", "--html", str(pages_dir / ARXIV_PAGE),
                        "https://arxiv.org/abs/1706.03762", home=home)
    one_line_error(result, f"{home / 'config.yml'}: {message}")
    assert papershelf("list", home=home).stdout == ""


@pytest.mark.parametrize("option", ["--port", "--datasette-port"])
def test_serve_refuses_a_port_out_of_range(home, option):
    result = papershelf("serve", "--offline", option, "99999", home=home)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "99999 is not in the range 1<=x<=65535" in result.stderr


def test_a_file_of_no_bibtex_entries_imports_nothing_and_says_so(home, tmp_path):
    junk = tmp_path / "junk.bib"
    junk.write_bytes(bytes(range(256)) * 4)
    result = papershelf("import", str(junk), home=home)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == f"Error: no BibTeX entries in {junk}: nothing imported"


def test_summaries_go_to_stderr_with_their_plurals(library_of_three, tmp_path):
    home = library_of_three
    out = tmp_path / "refs.bib"
    one = papershelf("export", "bibtex", "-o", str(out), "--tag", "nlp", home=home)
    assert (one.stdout, one.stderr) == ("", f"1 entry written: {out}\n")
    three = papershelf("export", "json", "-o", str(tmp_path / "a.json"), home=home)
    assert (three.stdout, three.stderr) == ("", f"3 papers: {tmp_path / 'a.json'}\n")


def test_rekey_all_dry_run_changes_nothing(library_of_three, monkeypatch):
    home = library_of_three
    env = {"PAPERSHELF_CITEKEY_FORMAT": "{auth}_{year}"}
    before = papershelf("list", home=home).stdout
    dry = papershelf("rekey", "--all", "--dry-run", home=home, env=env)
    assert dry.returncode == 0 and dry.stderr == "3 keys would change\n"
    assert sorted(dry.stdout.splitlines()) == ["lovelace2021sequence -> lovelace_2021",
                                               "lovelace2022sequence -> lovelace_2022",
                                               "vaswani2017attention -> vaswani_2017"]
    assert papershelf("list", home=home).stdout == before


def test_rekey_all_asks_on_a_terminal_and_a_no_keeps_every_key(library_of_three):
    home = library_of_three
    before = papershelf("list", home=home).stdout
    controller, terminal = os.openpty()
    try:
        os.write(controller, b"n\n")
        answer = papershelf("rekey", "--all", home=home, env={"PAPERSHELF_CITEKEY_FORMAT": "{auth}_{year}"},
                            stdin=terminal)
    finally:
        os.close(controller)
        os.close(terminal)
    assert answer.returncode == 1 and "Change 3 citation keys?" in answer.stderr and "Aborted" in answer.stderr
    assert papershelf("list", home=home).stdout == before
    piped = papershelf("rekey", "--all", home=home, env={"PAPERSHELF_CITEKEY_FORMAT": "{auth}_{year}"})
    assert piped.returncode == 0 and piped.stderr == "3 keys changed\n"  # a script is not asked
