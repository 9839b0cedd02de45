"""Writing generated/ is all or nothing: killed or failed at any point, it is wholly old or new."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import write
from generator.cli import main
from tests.conftest import SAMPLE_SPEC

ROOT = Path(__file__).resolve().parent.parent
OLD_MODULE = "realtime_rest/webpubsub/v2099_01_01/models.py"
NEW_MODULE = "realtime_rest/webpubsub/v2099_02_01/models.py"

# Runs `generate` and kills itself (SIGKILL: no cleanup runs) at a chosen point of the write stage:
# the COUNT-th call of a write step, or of os.rename / os.unlink while the folders are swapped.
KILLER = """
import os, signal, sys
import generator.write as write
from generator.cli import main

point, count, exchange = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "exchange"
calls = 0


def dying(function):
    def wrapper(*args, **kwargs):
        global calls
        calls += 1
        if calls == count:
            os.kill(os.getpid(), signal.SIGKILL)
        return function(*args, **kwargs)
    return wrapper


if not exchange:
    write._exchange = lambda first, second: False
if point in ("_put", "_swap"):
    setattr(write, point, dying(getattr(write, point)))
else:
    swap = write._swap

    def swap_then_die(staging, out_dir):
        setattr(os, point, dying(getattr(os, point)))
        swap(staging, out_dir)

    write._swap = swap_then_die
main(["--root", sys.argv[4], "generate"])
"""


Snapshot = dict[str, bytes]
Change = tuple[Path, Snapshot, Snapshot]


def snapshot(folder: Path) -> Snapshot:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def generate(project: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--root", str(project), "generate"])
    return result.exit_code, result.stderr


def check(project: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--root", str(project), "check"])
    return result.exit_code, result.stderr


def siblings(project: Path) -> list[str]:
    return sorted(path.name for path in project.iterdir() if path.name.startswith(".generated"))


@pytest.fixture
def change(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Change:
    """A project generated from 2099-01-01 whose spec became 2099-02-01: its old and new trees.

    The change writes some files, removes others with their folder, and keeps a file the
    generator does not own.
    """
    assert generate(project)[0] == 0
    (project / "generated/notes.txt").write_text("kept")
    old = snapshot(project / "generated")
    spec = project / SAMPLE_SPEC
    spec.with_name("2099-02-01.yaml").write_text(
        spec.read_text().replace("2099-01-01", "2099-02-01")
    )
    spec.unlink()
    expected = tmp_path_factory.mktemp("expected")
    shutil.copytree(project, expected, dirs_exist_ok=True)
    assert generate(expected)[0] == 0
    new = snapshot(expected / "generated")
    assert OLD_MODULE in old and NEW_MODULE in new and new["notes.txt"] == b"kept"
    return project, old, new


def kill_generate(project: Path, point: str, count: int, exchange: bool = True) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", KILLER, point, str(count), "exchange" if exchange else "renames"]
        + [str(project)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert completed.returncode == -9, completed.stderr


def assert_repaired(project: Path, new: Snapshot) -> None:
    code, message = check(project)
    assert code == 1
    assert message.startswith("error: an interrupted generate left .generated."), message
    assert message.endswith(": run `make generate` to repair\n")

    assert generate(project)[0] == 0
    assert snapshot(project / "generated") == new
    assert siblings(project) == []
    assert check(project)[0] == 0


@pytest.mark.parametrize(
    ("point", "count", "exchange", "tree"),
    [
        ("_put", 1, True, "old"),  # staging the first changed file
        ("_put", 5, True, "old"),  # staging, halfway
        ("_swap", 1, True, "old"),  # staged in full, not yet swapped
        ("rename", 1, True, "new"),  # exchanged, the old tree not yet renamed aside
        ("unlink", 3, True, "new"),  # the old tree partly deleted
        ("unlink", 3, False, "new"),  # the same after the two renames of the fallback
    ],
)
def test_a_generate_killed_while_writing_leaves_the_tree_wholly_old_or_new(
    change: Change, point: str, count: int, exchange: bool, tree: str
) -> None:
    project, old, new = change

    kill_generate(project, point, count, exchange)

    assert snapshot(project / "generated") == {"old": old, "new": new}[tree]
    assert len(siblings(project)) == 1
    assert_repaired(project, new)


def test_killed_between_the_two_renames_the_next_generate_finishes_the_swap(
    change: Change,
) -> None:
    project, old, new = change

    kill_generate(project, "rename", 2, exchange=False)

    # The one moment of the fallback without an exchange: the staged tree is complete.
    assert not (project / "generated").exists()
    assert snapshot(project / ".generated.old") == old
    assert snapshot(project / ".generated.new") == new
    assert_repaired(project, new)


def test_both_ways_of_swapping_write_the_same_tree_and_keep_unchanged_files(
    change: Change, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, _, new = change
    unchanged = project / "generated/realtime_rest/py.typed"
    inode = unchanged.stat().st_ino

    assert generate(project)[0] == 0
    assert snapshot(project / "generated") == new
    assert unchanged.stat().st_ino == inode  # linked into the new tree, not rewritten

    (project / SAMPLE_SPEC.replace("01-01", "02-01")).rename(project / SAMPLE_SPEC)
    (project / SAMPLE_SPEC).write_text(
        (project / SAMPLE_SPEC).read_text().replace("2099-02-01", "2099-01-01")
    )
    monkeypatch.setattr(write, "_exchange", lambda first, second: False)
    assert generate(project)[0] == 0
    assert NEW_MODULE not in snapshot(project / "generated")
    assert not (project / "generated/realtime_rest/webpubsub/v2099_02_01").exists()
    assert siblings(project) == []


def test_a_write_that_fails_leaves_the_old_tree_and_no_staging(
    change: Change, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, old, _ = change
    put = write._put
    calls: list[Path] = []

    def full_disk(path: Path, text: str) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        put(path, text)

    monkeypatch.setattr(write, "_put", full_disk)
    code, message = generate(project)

    assert (code, message) == (
        1,
        "error: generated/: cannot write: [Errno 28] No space left on device\n",
    )
    assert snapshot(project / "generated") == old
    assert siblings(project) == []


def test_temporary_files_of_the_earlier_file_by_file_writer_are_reported_and_removed(
    project: Path,
) -> None:
    assert generate(project)[0] == 0
    stray = project / "generated/realtime_rest/.py.typed.k2x_9qaz"
    stray.write_text("")
    unrelated = project / "generated/realtime_rest/.notes.txt.abcdefgh"
    unrelated.write_text("")

    assert check(project) == (
        1,
        "error: an interrupted generate left generated/realtime_rest/.py.typed.k2x_9qaz: "
        "run `make generate` to repair\n",
    )
    assert generate(project)[0] == 0
    assert not stray.exists() and unrelated.exists()
    assert check(project)[0] == 0


def test_a_first_generation_killed_while_staging_leaves_no_package_and_is_redone(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    expected = tmp_path_factory.mktemp("expected")
    shutil.copytree(project, expected, dirs_exist_ok=True)
    assert generate(expected)[0] == 0

    kill_generate(project, "_put", 3)

    assert not (project / "generated").exists()
    assert siblings(project) == [".generated.new"]
    assert_repaired(project, snapshot(expected / "generated"))


def test_while_one_generate_writes_another_generate_or_a_check_refuses_to_start(
    change: Change,
) -> None:
    project, old, _ = change

    with write._locked(project / "generated", fcntl.LOCK_EX):
        for command in ("generate", "check"):
            completed = subprocess.run(
                [sys.executable, "-m", "generator", "--root", str(project), command],
                capture_output=True,
                text=True,
                cwd=ROOT,
                timeout=120,
            )
            assert (completed.returncode, completed.stderr) == (
                1,
                "error: generated/: another generate is writing it\n",
            )

    assert snapshot(project / "generated") == old
    assert siblings(project) == []
