"""``python -m realtime_rest.emulator webpubsub|signalr``: prints its connection string, serves."""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import sys

from realtime_rest.emulator.server import SERVICES, Emulator


def parse(arguments: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m realtime_rest.emulator",
        description="A local emulator of the service's REST API and client endpoints.",
    )
    parser.add_argument("service", choices=SERVICES)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8888, help="port; 0 picks a free one")
    parser.add_argument(
        "--access-key", help="the key tokens are signed with; a random one when not given"
    )
    parser.add_argument(
        "--allow-entra",
        action="store_true",
        help="accept Microsoft Entra ID bearer tokens without validating them",
    )
    parser.add_argument("--quiet", action="store_true", help="log warnings only")
    options = parser.parse_args(arguments)
    if not 0 <= options.port < 65536:
        parser.error(f"--port {options.port} is not a port number")
    if options.access_key == "":
        parser.error("--access-key must not be empty")
    return options


async def serve(options: argparse.Namespace) -> None:
    emulator = Emulator(
        options.service,
        options.access_key or secrets.token_urlsafe(32),
        allow_entra=options.allow_entra,
    )
    await emulator.start(options.host, options.port)
    host = f"[{options.host}]" if ":" in options.host else options.host
    print(emulator.connection_string(host), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.stop()


def main(arguments: list[str] | None = None) -> None:
    options = parse(sys.argv[1:] if arguments is None else arguments)
    logging.basicConfig(
        level=logging.WARNING if options.quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        asyncio.run(serve(options))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
