"""Server time of the analyst pages on a large workspace, against the health check.

    .venv/bin/python bench/web.py [--n 1000000] [--seed 7] [--repeat 10]

Uses the workspace that bench/link.py builds and caches (ingest + extract + link of a synthetic
corpus; no clusters or screening, so those tables are empty). The app is driven in process
through the test client, signed in as an analyst; each page is requested ``--repeat`` times and
the median and worst times are printed (the first request of each page is part of the figures:
the pages have no warm-up). Baseline: GET /v1/health in the same run. Target (issue 6): every
page under 300 ms server time on a 1M-post workspace.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fastapi.testclient import TestClient

from _measure import measured, mib
from link import workspace_for
from threadline.accounts import AccountStore
from threadline.api import create_app
from threadline.steps.link import link_step
from threadline.workspace import Workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    path = workspace_for(args.n, args.seed)
    with Workspace.open(path) as ws:
        if ws.count("networks") == 0:
            print("linking (not timed) ...", flush=True)
            link_step(ws)
        top = ws.engine.scalar("SELECT network_id FROM networks ORDER BY score DESC LIMIT 1")
        post = ws.engine.scalar(
            "SELECT post_id FROM network_posts WHERE network_id = ? LIMIT 1", [top]
        )
        phone = ws.engine.scalar(
            "SELECT canonical FROM identifier_lookup WHERE kind = 'phone' LIMIT 1 OFFSET 1000"
        )
        networks = ws.count("networks")
    accounts = AccountStore(Path(tempfile.mkdtemp()) / "app.sqlite")
    password = accounts.add_user("bench", "analyst")
    pages = {
        "health (baseline)": "/v1/health",
        "overview": "/",
        "networks, page 1": "/networks",
        f"networks, page {max(1, networks // 200)}": f"/networks?page={max(1, networks // 200)}",
        "networks filtered by place": "/networks?city=Houston",
        "top network": f"/networks/{top}",
        "post": f"/posts/{post}",
        "search (phone)": f"/search?q={phone}",
        "clusters": "/clusters",
    }
    with measured() as run, TestClient(create_app(workspace=path, accounts=accounts)) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None
        client.post("/login", data={"name": "bench", "password": password, "csrf": token.group(1)})
        print(f"{args.n:,}-post workspace, {networks:,} networks; {args.repeat} requests per page")
        for name, url in pages.items():
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, (url, response.status_code)
            print(
                f"  {name:30s} median {statistics.median(times) * 1000:7.1f} ms  "
                f"worst {max(times) * 1000:7.1f} ms  ({len(response.content) / 1024:,.0f} KiB)"
            )
    print(f"peak memory {mib(run.peak_rss)}")


if __name__ == "__main__":
    main()
