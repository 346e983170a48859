"""Meta-tests that keep the architecture honest (DESIGN §1, the brief's standards)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sources(*dirs: str) -> list[Path]:
    return [p for d in dirs for p in (ROOT / d).rglob("*.py")]


def test_only_engine_imports_pydatalog():
    users = [p.relative_to(ROOT).as_posix() for p in sources("kb", "grammar", "repl")
             if re.search(r"^\s*(from|import) pyDatalog", p.read_text("utf-8"), re.M)]
    assert users == ["kb/engine.py"]


def test_no_text_reaches_pydatalog_load_or_ask_and_nothing_is_evaluated():
    for p in sources("kb", "grammar", "repl"):
        text = p.read_text("utf-8")
        assert not re.search(r"pyDatalog\.(load|ask)\(|\beval\(|\bexec\(", text), p


def test_library_code_never_prints():
    for p in sources("kb", "grammar"):
        assert not re.search(r"^\s*print\(", p.read_text("utf-8"), re.M), p


def test_dependencies_point_one_way():
    for p in sources("grammar"):
        assert not re.search(r"^\s*(from|import) (kb|repl)\b", p.read_text("utf-8"), re.M), p
    for p in sources("kb"):
        assert not re.search(r"^\s*(from|import) repl\b", p.read_text("utf-8"), re.M), p


def test_import_kb_does_not_import_prompt_toolkit():
    code = "import sys, kb; kb.KnowledgeBase.default(); print('prompt_toolkit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "False", out.stderr


def test_import_kb_does_not_import_the_web_stack():
    code = ("import sys, kb, kb.pool, kb.svg; kb.KnowledgeBase.default(); "
            "print(sorted(m for m in ('fastapi', 'starlette', 'uvicorn', 'prompt_toolkit') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]", out.stderr


def test_seeds_are_not_copied_into_the_project():
    seeds = {p.name for p in (ROOT.parent / "shared" / "seeds").glob("*.txt")}
    assert seeds and not [p for p in ROOT.rglob("*.txt") if p.name in seeds]


def test_every_type_ignore_says_why():
    """A `# type: ignore[code]` is allowed only with a reason after it on the same line."""
    bare = [f"{p.relative_to(ROOT)}:{n}" for p in sources("kb", "grammar", "repl")
            for n, line in enumerate(p.read_text("utf-8").splitlines(), 1)
            if "type: ignore" in line and not re.search(r"type: ignore\[[a-z, -]+\]  # \S", line)]
    assert bare == []


def test_ci_runs_the_readme_test_command_with_ruff_and_mypy():
    readme = (ROOT / "README.md").read_text("utf-8")
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    command = ".venv/bin/ruff check . && .venv/bin/mypy kb grammar repl && .venv/bin/python -m pytest -q"
    assert command in readme and command in ci
    assert "[tool.mypy]" in (ROOT / "pyproject.toml").read_text("utf-8")


def test_every_package_is_installed():
    """A non-editable install (as `.ci/run` and the README do) ships only the packages pyproject names."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for top in ("kb", "grammar", "repl")
             for p in (ROOT / top).rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
