"""The README's spec bump, step by step, in a scratch copy of the project: its steps and nothing
more make every check of the new version pass."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.versions import newest

ROOT = Path(__file__).resolve().parent.parent
SERVICE = "webpubsub"
NEW = "2099-06-01"  # after every real version
# Neither copied nor needed: what the project's commands install or build.
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "__pycache__", "*.egg-info", "build", ".*_cache"
)
# The steps' files, as the README names them.
STEP_FILES = {
    "specs/<service>/<version>.yaml",
    "specs/operation-ids.txt",
    "tests/spec_operations/<service>-<version>.txt",
    "tests/expected_changes/<service>-<old>-<new>.txt",
}
# Its own temporary folders, so that it never cleans up this run's; failures' messages in full.
PYTEST = ["-m", "pytest", "-p", "no:cacheprovider", "-vv"]
PINNED_CHANGES_TEST = "tests/test_diff.py::test_every_consecutive_pair_is_pinned"
CHECKS = [
    "tests/test_specs.py",
    "tests/test_diff.py",
    "tests/test_tokens.py",
    "tests/test_package.py",
    f"generated/tests/{SERVICE}/test_v{NEW.replace('-', '_')}.py",
]


def readme_steps() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Maintainer's guide: a spec bump", 1)[1].split("\n## ", 1)[0]


def run(copy: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """A command in the copy, importing the copy's generator, tests and generated package."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(copy), str(copy / "generated")]),
    }
    return subprocess.run(
        [sys.executable, *command], capture_output=True, text=True, cwd=copy, env=environment
    )


def test_the_readme_names_exactly_the_files_this_bump_writes() -> None:
    named = set(re.findall(r"`((?:specs|tests)/[^`]+\.(?:yaml|txt))`", readme_steps()))
    assert named == STEP_FILES


def test_a_bump_done_as_the_readme_says_passes(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    old = newest(SERVICE)

    # 1. The new version as specs/<service>/<version>.yaml: here the newest one under a new
    #    version, its operationIds all in specs/operation-ids.txt already.
    spec = (copy / f"specs/{SERVICE}/{old}.yaml").read_text()
    (copy / f"specs/{SERVICE}/{NEW}.yaml").write_text(spec.replace(old, NEW))
    # 2. Its operations, as pinned for the version it copies.
    pinned = copy / "tests/spec_operations"
    shutil.copy(pinned / f"{SERVICE}-{old}.txt", pinned / f"{SERVICE}-{NEW}.txt")
    # 3. make generate (its command), then the tests: the diff's test asks for the pinned changes.
    generated = run(copy, "-m", "generator", "generate")
    assert generated.returncode == 0, generated.stderr
    first = run(copy, *PYTEST, f"--basetemp={tmp_path / 'first'}", PINNED_CHANGES_TEST)
    expected_changes = f"tests/expected_changes/{SERVICE}-{old}-{NEW}.txt"
    assert first.returncode == 1, first.stdout
    assert f"pin them in {expected_changes}" in first.stdout
    assert "(an empty file when there are none):" in first.stdout
    assert "(no changes)" in first.stdout
    (copy / expected_changes).write_text("")

    checked = run(copy, *PYTEST, f"--basetemp={tmp_path / 'checks'}", *CHECKS)
    current = run(copy, "-m", "generator", "check")

    assert checked.returncode == 0, checked.stdout
    assert " passed" in checked.stdout.splitlines()[-1]
    assert "failed" not in checked.stdout.splitlines()[-1]
    assert current.returncode == 0, current.stdout + current.stderr
    clients = run(
        copy, "-c", "import realtime_rest.webpubsub as w; print(w.WebPubSubClient.API_VERSION)"
    )
    assert clients.stdout == f"{NEW}\n", clients.stderr
