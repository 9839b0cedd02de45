"""The generated package installs into a clean virtual environment and imports there."""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

from tests.versions import newest, versions

GENERATED = Path(__file__).resolve().parent.parent / "generated"
# What a build leaves beside the sources; the copy that is built leaves them out.
BUILD_OUTPUTS = shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
# Nothing but the new environment's own packages: no PYTHONPATH leading elsewhere.
CLEAN_ENVIRONMENT = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}

IMPORT_EVERYTHING = """
import realtime_rest, realtime_rest.signalr, realtime_rest.webpubsub
from importlib.resources import files
assert files("realtime_rest").joinpath("py.typed").is_file()
print(sorted(realtime_rest.webpubsub.VERSIONS), sorted(realtime_rest.signalr.VERSIONS))
print(realtime_rest.webpubsub.WebPubSubClient.API_VERSION, realtime_rest.signalr.SignalRClient.API_VERSION)
print(realtime_rest.__file__)
"""


def files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def test_the_generated_package_installs_and_imports_in_a_clean_environment(tmp_path: Path) -> None:
    # Built from a copy: pip builds in the source folder, and a build/ left in generated/ would
    # bring modules of removed versions into the next `pip install ./generated`.
    source = tmp_path / "source"
    shutil.copytree(GENERATED, source, ignore=BUILD_OUTPUTS)
    before = files(GENERATED)
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
            str(source),
        ],
        capture_output=True,
        text=True,
        env=CLEAN_ENVIRONMENT,
    )
    assert install.returncode == 0, install.stderr

    imported = subprocess.run(
        [str(python), "-c", IMPORT_EVERYTHING],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=CLEAN_ENVIRONMENT,
    )

    assert imported.returncode == 0, imported.stderr
    installed_versions, installed_newest, location = imported.stdout.splitlines()
    assert installed_versions == f"{sorted(versions('webpubsub'))} {sorted(versions('signalr'))}"
    assert installed_newest == f"{newest('webpubsub')} {newest('signalr')}"
    assert Path(location).is_relative_to(tmp_path / "env")
    assert files(GENERATED) == before
