"""A loopback HTTP/1.1 server that answers instantly, for the client benchmarks.

Run as a separate process so that its work never counts in the client's CPU time: POST → 202,
HEAD → 200, PUT and everything else → 200, all without a body, connections kept alive.
"""

from __future__ import annotations

import asyncio
import sys

ANSWERS = {
    b"POST": b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n",
    b"HEAD": b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
}
DEFAULT_ANSWER = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            writer.write(ANSWERS.get(head.split(b" ", 1)[0], DEFAULT_ANSWER))
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)  # the parent reads the port from the first line
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
