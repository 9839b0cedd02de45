"""Shared fixtures of the generator's tests: a scratch project holding the sample spec."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.validate import VOCABULARY

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_SPEC = "specs/webpubsub/2099-01-01.yaml"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with the sample spec, the operationId vocabulary and nothing generated yet."""
    shutil.copytree(FIXTURES / "specs", tmp_path / "specs")
    shutil.copy(ROOT / "specs" / VOCABULARY, tmp_path / "specs" / VOCABULARY)
    return tmp_path


def write_project(
    folder: Path, documents: dict[str, Any], operation_ids: tuple[str, ...] = ()
) -> Path:
    """A project folder with the given specs (by path under specs/) and the vocabulary, extended
    by `operation_ids`."""
    for relative, document in documents.items():
        path = folder / "specs" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    vocabulary = (ROOT / "specs" / VOCABULARY).read_text(encoding="utf-8")
    (folder / "specs" / VOCABULARY).write_text(
        vocabulary + "".join(f"{operation_id}\n" for operation_id in operation_ids),
        encoding="utf-8",
    )
    return folder


@pytest.fixture(autouse=True)
def format_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Black's results are cached for the test session only, never in the user's cache."""
    monkeypatch.setenv("REALTIME_REST_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
