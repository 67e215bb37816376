"""The package's shape: one namespace, imports that flow one way, no cycle between modules."""

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"papershelf.server": ROOT / "server", "papershelf.exports": ROOT / "exports"}
# Modules of the server that sit above the store and may use the exporters: the command
# line, the process that serves, the HTTP API and the Datasette plugin.
FRONT = ("papershelf.server.cli", "papershelf.server.serve", "papershelf.server.api",
         "papershelf.server.app", "papershelf.server.datasette")


def project_modules():
    """Return {module name: source path} for every module of the project."""
    modules = {}
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join([package, *parts])] = path
    return modules


def imports_of(path, modules):
    """Return the project modules that the source at path imports, at any depth of the code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pkg import name` imports the module pkg.name when there is one.
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules
                     else node.module for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


def import_graph():
    modules = project_modules()
    return {name: imports_of(path, modules) - {name} for name, path in modules.items()}


def find_cycle(graph):
    """Return one cycle of graph ({node: successors}) as a list of nodes, or None."""
    state = {}  # node -> "open" while on the path, "done" after

    def visit(node, path):
        state[node] = "open"
        path.append(node)
        for successor in sorted(graph.get(node, ())):
            if state.get(successor) == "open":
                return path[path.index(successor):] + [successor]
            if successor not in state:
                cycle = visit(successor, path)
                if cycle:
                    return cycle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [])
            if cycle:
                return cycle
    return None


def test_cycle_finder_finds_a_cycle_and_only_a_cycle():
    assert find_cycle({"store": {"citekeys"}, "citekeys": {"bibtex"}, "bibtex": {"store"}}) == [
        "bibtex", "store", "citekeys", "bibtex"]
    assert find_cycle({"api": {"store"}, "bibtex": {"store"}, "store": set()}) is None


def test_no_import_cycle_between_modules():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_store_side_never_imports_an_exporter():
    graph = import_graph()
    store_side = [m for m in graph if m.startswith("papershelf.server")
                  and not m.startswith(FRONT)]
    assert "papershelf.server.store" in store_side and "papershelf.server.citekeys" in store_side
    wrong = {m: sorted(i for i in graph[m] if i.startswith("papershelf.exports"))
             for m in store_side}
    assert {m: i for m, i in wrong.items() if i} == {}


def test_exporters_never_import_the_web_layer_or_the_cli():
    graph = import_graph()
    wrong = {m: sorted(i for i in imports if i.startswith(FRONT))
             for m, imports in graph.items() if m.startswith("papershelf.exports")}
    assert {m: i for m, i in wrong.items() if i} == {}


def test_every_module_says_its_job_in_a_docstring():
    missing = [name for name, path in project_modules().items()
               if not (ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or "").strip()]
    assert missing == []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    # Built from a copy: setuptools leaves a build/ folder behind, and a stale one would
    # put files into the wheel that the checkout no longer has.
    source = tmp_path_factory.mktemp("source") / "papershelf"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "node_modules", ".cache", "*.egg-info", "__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--disable-pip-version-check", "-w", str(out), str(source)], check=True,
                   capture_output=True)
    return zipfile.ZipFile(next(out.glob("papershelf-*.whl")))


def test_the_wheel_installs_one_top_level_package(wheel):
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"papershelf"}
    names = set(wheel.namelist())
    modules = {name.replace(".", "/") + ("/__init__.py" if path.name == "__init__.py" else ".py")
               for name, path in project_modules().items()}
    assert modules - names == set()  # a package missing from pyproject's list shows here
    assert {"papershelf/server/datasette/metadata.yml",
            "papershelf/exports/templates/note.md.j2",
            "papershelf/server/datasette/templates/row.html",
            "papershelf/server/datasette/templates/papershelf_paper.html",
            "papershelf/server/datasette/templates/papershelf_home.html",
            "papershelf/server/datasette/static/papershelf.css",
            "papershelf/server/datasette/static/papershelf.js"} <= names


def test_the_wheel_names_its_entry_points_in_the_namespace(wheel):
    info = next(n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt"))
    text = wheel.read(info).decode()
    assert "papershelf = papershelf.server.cli:cli" in text
    assert "papershelf = papershelf.server.datasette" in text


def test_installed_names_are_the_namespace_only(tmp_path):
    # From a folder that is not the checkout, as a user's script would run.
    def run(code):
        return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                              text=True)
    for name in ("server", "exports"):
        result = run(f"import {name}")
        assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr
    result = run("import papershelf.server, papershelf.exports, papershelf.server.datasette,"
                 " papershelf.exports.obsidian; print('ok')")
    assert (result.returncode, result.stdout) == (0, "ok\n")


def test_python_dash_m_runs_the_cli(tmp_path):
    result = subprocess.run([sys.executable, "-m", "papershelf.server", "--help"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0 and "Usage: papershelf [OPTIONS] COMMAND" in result.stdout
