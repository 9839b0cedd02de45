"""The generated package installs into a clean virtual environment and imports there."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

GENERATED = Path(__file__).resolve().parent.parent / "generated"

IMPORT_EVERYTHING = """
import realtime_rest, realtime_rest.signalr, realtime_rest.webpubsub
from importlib.resources import files
assert files("realtime_rest").joinpath("py.typed").is_file()
print(sorted(realtime_rest.webpubsub.VERSIONS), sorted(realtime_rest.signalr.VERSIONS))
print(realtime_rest.webpubsub.WebPubSubClient.API_VERSION, realtime_rest.signalr.SignalRClient.API_VERSION)
print(realtime_rest.__file__)
"""


def test_the_generated_package_installs_and_imports_in_a_clean_environment(tmp_path: Path) -> None:
    venv.create(tmp_path / "env", with_pip=True)
    python = tmp_path / "env" / "bin" / "python"
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(GENERATED),
        ],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr

    imported = subprocess.run(
        [str(python), "-c", IMPORT_EVERYTHING], capture_output=True, text=True, cwd=tmp_path
    )

    assert imported.returncode == 0, imported.stderr
    versions, newest, location = imported.stdout.splitlines()
    assert versions == "['2020-10-01', '2024-12-01'] ['2022-06-01', 'v1']"
    assert newest == "2024-12-01 2022-06-01"
    assert Path(location).is_relative_to(tmp_path / "env")
