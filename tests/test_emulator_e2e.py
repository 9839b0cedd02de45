"""End to end: the official JavaScript clients under node receive what our clients send.

Tokens come from our Python clients; the emulator runs as a user runs it, in its own process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from realtime_rest.signalr import SignalRClient
from realtime_rest.webpubsub import WebPubSubClient

E2E = Path(__file__).resolve().parent.parent / "tools" / "e2e"
KEY = "e2e-access-key"

MISSING = (
    None
    if shutil.which("node") and (E2E / "node_modules").is_dir()
    else "the end-to-end tests need node and tools/e2e/node_modules (make test installs them)"
)
if MISSING:
    # In CI they must run: a missing node fails there instead of passing unseen.
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(MISSING, pytrace=False)
    pytest.skip(MISSING, allow_module_level=True)


@pytest.fixture
def serve() -> Iterator[Any]:
    started: list[subprocess.Popen[str]] = []

    def start(service: str) -> str:
        command = [sys.executable, "-m", "realtime_rest.emulator", service, "--port", "0"]
        process = subprocess.Popen(
            [*command, "--access-key", KEY, "--quiet"], stdout=subprocess.PIPE, text=True
        )
        started.append(process)
        assert process.stdout is not None
        return process.stdout.readline().strip()

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def node_client(*arguments: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        ["node", str(E2E / "clients.mjs"), *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert json.loads(process.stdout.readline()) == "ready", process.stderr
    return process


def received(process: subprocess.Popen[str]) -> list[Any]:
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_web_pubsub_client_from_npm_receives_our_messages(serve: Any) -> None:
    with WebPubSubClient.from_connection_string(serve("webpubsub"), hub="chat") as client:
        access = client.get_client_access_token(user_id="ann")
        node = node_client("webpubsub", access.url)
        client.send_to_all({"hello": "node"})
        client.send_to_user("ann", "bye")
        assert received(node) == [{"hello": "node"}, "bye"]


def test_signalr_client_from_npm_receives_our_invocations(serve: Any) -> None:
    with SignalRClient.from_connection_string(serve("signalr"), hub="chat") as client:
        negotiation = client.get_client_negotiation(user_id="ann")
        node = node_client("signalr", negotiation.url, negotiation.access_token)
        client.send_to_all("newMessage", arguments=[{"hello": "node"}])
        client.send_to_user("ann", "newMessage", arguments=["bye"])
        assert received(node) == [{"hello": "node"}, "bye"]
