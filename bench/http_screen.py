"""HTTP screening: sustained single-post requests to POST /v1/screen on loopback.

    .venv/bin/python bench/http_screen.py [--rate 500] [--n 5000] [--connections 16]

Starts ``uvicorn threadline.api:app_from_env --factory`` on 127.0.0.1 (a free port, one worker
process) itself, waits for GET /v1/health, then sends ``--n`` requests of one 400-character
post each at a fixed rate (open loop: latency runs from each request's scheduled time, so a
slow server cannot hide its queueing) over a pool of keep-alive connections, with a hard time
limit. Reports achieved requests/s, p50/p90/p99/max latency, errors and the server's peak
memory. The baseline is the same load on GET /v1/health (the HTTP stack without screening),
measured in the same run. Target (issue 4): 500 req/s with p99 <= 25 ms. Loopback only; the
load generator shares the machine's two cores with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import mib, tree_rss_bytes
from ingest_extract import corpus
from screen import posts_of_400
from threadline.accounts import AccountStore

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def server(port: int, accounts: Path) -> Iterator[subprocess.Popen[bytes]]:
    command = [
        sys.executable, "-m", "uvicorn", "threadline.api:app_from_env", "--factory",
        "--host", HOST, "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    # As served: sign-in required, the client authenticates with an API token; its rate limit
    # is raised above the load so that the figure is the server's, not the limiter's.
    env = {
        **os.environ,
        "THREADLINE_APP_DB": str(accounts),
        "THREADLINE_RATE_PER_MINUTE": "1000000",
        "THREADLINE_RATE_BURST": "100000",
    }
    process = subprocess.Popen(command, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection((HOST, port), timeout=1) as probe:
                    probe.sendall(
                        b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    )
                    if probe.recv(64).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def post_request(body: bytes, token: str) -> bytes:
    return (
        b"POST /v1/screen HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + token.encode() + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


HEALTH = b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return int(head[9:12])


async def load(
    port: int, requests: list[bytes], rate: float, connections: int, max_seconds: float
) -> tuple[list[float], int, float]:
    """Open-loop load: latencies (s), errors, wall time."""
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection(HOST, port))
    latencies: list[float] = []
    errors = 0

    async def one(raw: bytes, scheduled: float) -> None:
        nonlocal errors
        reader, writer = await pool.get()
        try:
            status = await _exchange(reader, writer, raw)
            if status != 200:
                errors += 1
            latencies.append(time.perf_counter() - scheduled)
        except (OSError, asyncio.IncompleteReadError):
            errors += 1
            reader, writer = await asyncio.open_connection(HOST, port)
        finally:
            pool.put_nowait((reader, writer))

    tasks = []
    started = time.perf_counter()
    for index, raw in enumerate(requests):
        scheduled = started + index / rate
        if scheduled - started > max_seconds:
            break
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(raw, scheduled)))
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=max_seconds + 30)
    wall = time.perf_counter() - started
    while not pool.empty():
        _, writer = pool.get_nowait()
        writer.close()
    return latencies, errors, wall


def report(name: str, latencies: list[float], errors: int, wall: float) -> float:
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    print(
        f"{name:<16} {len(ordered) / wall:7.0f} req/s  p50 {pct(0.5):6.2f} ms  "
        f"p90 {pct(0.9):6.2f} ms  p99 {pct(0.99):6.2f} ms  max {ordered[-1] * 1000:7.2f} ms  "
        f"errors {errors}"
    )
    return pct(0.99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0, help="requests per second")
    parser.add_argument("--n", type=int, default=5_000, help="requests per run (bounded)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=30.0, help="hard limit per run")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    posts_path, _ = corpus(50_000, args.seed)
    texts = posts_of_400(posts_path, args.n)
    accounts_path = Path(tempfile.mkdtemp()) / "app.sqlite"
    accounts = AccountStore(accounts_path)
    _, token = accounts.create_token("bench", "viewer")
    accounts.close()
    requests = [post_request(orjson.dumps({"text": text}), token) for text in texts]
    port = free_port()
    with server(port, accounts_path) as process:
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, tree_rss_bytes(process.pid))
                stop.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        asyncio.run(load(port, requests[:300], args.rate, args.connections, 10))  # warm up
        print(
            f"uvicorn, 1 worker, {HOST}:{port}; {len(requests):,} requests at {args.rate:.0f}/s "
            f"over {args.connections} keep-alive connections (400-character posts, API token)"
        )
        base = report(
            "GET /v1/health",
            *asyncio.run(
                load(port, [HEALTH] * len(requests), args.rate, args.connections, args.max_seconds)
            ),
        )
        ours = report(
            "POST /v1/screen",
            *asyncio.run(load(port, requests, args.rate, args.connections, args.max_seconds)),
        )
        stop.set()
        sampler.join()
    print(f"server peak memory {mib(peak)}; p99 ratio screen/health {ours / base:.1f}x")
    verdict = "met" if ours <= 25.0 else "NOT met"
    print(f"target 500 req/s with p99 <= 25 ms at --rate {args.rate:.0f}: {verdict}")


if __name__ == "__main__":
    main()
