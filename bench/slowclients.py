"""N slow clients that hold connections open: each sends a request's first lines, then one more header
line every few seconds and never finishes; when the server closes the socket it connects again.

`python -m bench.slowclients HOST PORT COUNT SECONDS` (the bench runs it beside wrk).
"""

from __future__ import annotations

import asyncio
import sys

TRICKLE_SECONDS = 2.0


async def _one(host: str, port: int) -> None:
    while True:
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(f"GET / HTTP/1.1\r\nHost: {host}\r\n".encode())
            await writer.drain()
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(65536), TRICKLE_SECONDS)
                except TimeoutError:
                    writer.write(b"X-Slow: 1\r\n")
                    await writer.drain()
                    continue
                if not data:  # the server gave up on us: come back
                    break
            writer.close()
        except (ConnectionError, OSError):
            await asyncio.sleep(0.1)


async def hold(host: str, port: int, count: int, seconds: float) -> None:
    clients = [asyncio.create_task(_one(host, port)) for _ in range(count)]
    await asyncio.sleep(seconds)
    for client in clients:
        client.cancel()
    await asyncio.gather(*clients, return_exceptions=True)


if __name__ == "__main__":
    host, port, count, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    asyncio.run(hold(host, port, count, seconds))
