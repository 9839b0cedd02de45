"""The Makefile and the test run as a maintainer meets them, with and without Node.js."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_TESTS = "generated/tests/webpubsub/test_v2020_10_01_contract.py"
MAKE = shutil.which("make")


def without_node() -> dict[str, str]:
    """The environment with a PATH holding only this interpreter's folder: no node, no npm."""
    environment = {key: value for key, value in os.environ.items() if key != "CI"}
    environment["PATH"] = str(Path(sys.executable).parent)
    assert shutil.which("node", path=environment["PATH"]) is None
    return environment


def run_contract_tests(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", CONTRACT_TESTS],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
    )


def test_without_node_the_contract_tests_are_skipped_with_one_line_saying_why() -> None:
    completed = run_contract_tests(without_node())

    assert completed.returncode == 0, completed.stdout
    lines = completed.stdout.splitlines()
    reason = [line for line in lines if "contract tests" in line]
    assert reason == [
        "skipped the contract tests: they need Prism, and node is not on PATH "
        "(install Node.js 20.16+ and npm, then run make test)"
    ]
    assert re.fullmatch(r"\d+ skipped in [\d.]+s", lines[-1]), lines[-1]


def test_in_ci_missing_prism_fails_the_contract_tests_instead() -> None:
    completed = run_contract_tests({**without_node(), "CI": "true"})

    assert completed.returncode == 1
    assert "Failed: contract tests: they need Prism, and node is not on PATH" in completed.stdout
    assert " errors in " in completed.stdout.splitlines()[-1]
    assert "skipped" not in completed.stdout.splitlines()[-1]


def make_dry_run(target: str, environment: dict[str, str] | None = None) -> str:
    """The commands `make TARGET` would run from scratch, without running them."""
    completed = subprocess.run(
        [str(MAKE), "--dry-run", "--always-make", target],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_test_without_npm_says_so_and_installs_no_prism() -> None:
    commands = make_dry_run("test", without_node())

    assert "npm ci" not in commands
    assert "npm not found: the contract tests against Prism will be skipped" in commands
    assert "-m pytest" in commands


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_generate_installs_the_generator_alone() -> None:
    commands = make_dry_run("generate")

    installs = [line for line in commands.splitlines() if "pip install" in line]
    assert installs[-1].endswith("pip install --quiet -e ."), installs
    assert not any("[test]" in line or "generated" in line for line in installs), installs
    assert "npm" not in commands


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_test_with_npm_installs_prism_from_the_lock_with_analytics_off() -> None:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    commands = make_dry_run("test")

    assert "cd tools/prism && SCARF_ANALYTICS=false npm ci" in commands
    assert "--silent" not in commands
    # npm there reads tools/prism/.npmrc: an engine mismatch fails, no install script runs.
    settings = subprocess.run(
        ["npm", "config", "get", "engine-strict", "ignore-scripts"],
        capture_output=True,
        text=True,
        cwd=ROOT / "tools" / "prism",
    )
    assert settings.stdout.split() == ["engine-strict=true", "ignore-scripts=true"], settings


# What each line of .gitignore stands for, as files a build leaves; make clean removes them all.
BUILD_OUTPUTS = {
    ".venv/": [".venv/bin/python"],
    "__pycache__/": [
        "generator/__pycache__/cli.cpython-311.pyc",
        "generated/tests/__pycache__/x.pyc",
    ],
    "*.egg-info/": [
        "realtime_rest.egg-info/PKG-INFO",
        "generated/realtime_rest_clients.egg-info/PKG-INFO",
    ],
    ".mypy_cache/": [".mypy_cache/3.11/cache.db"],
    ".pytest_cache/": [".pytest_cache/README.md"],
    "build/": ["build/lib/generator/cli.py", "generated/build/lib/realtime_rest/__init__.py"],
    "tools/prism/node_modules/": ["tools/prism/node_modules/.bin/prism"],
    "tools/e2e/node_modules/": ["tools/e2e/node_modules/@microsoft/signalr/package.json"],
    "bench/.venv/": ["bench/.venv/bin/python"],
}
SOURCES = ["Makefile", "generator/cli.py", "generated/realtime_rest/__init__.py", "bench/run.py"]


def test_every_ignored_build_output_has_a_case_here() -> None:
    ignored = [line for line in (ROOT / ".gitignore").read_text().splitlines() if line.strip()]
    assert sorted(ignored) == sorted(BUILD_OUTPUTS), "add the new pattern to BUILD_OUTPUTS"


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_clean_removes_every_build_output_and_nothing_else(tmp_path: Path) -> None:
    outputs = [path for paths in BUILD_OUTPUTS.values() for path in paths]
    for relative in [*outputs, *SOURCES]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")

    completed = subprocess.run([str(MAKE), "clean"], capture_output=True, text=True, cwd=tmp_path)

    assert completed.returncode == 0, completed.stderr
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert left == sorted(SOURCES)
