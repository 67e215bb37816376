"""The `papershelf` command line, run as a user runs it."""

import json
import re
import shlex
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
