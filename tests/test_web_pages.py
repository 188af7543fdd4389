"""The analyst pages rendered by the real app over a real workspace (TestClient, no browser)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from threadline.api import create_app
from threadline.web.highlight import Mark, segments
from threadline.workspace import Workspace
from web_fixtures import HOSTILE, build_workspace


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    return build_workspace(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def client(workspace: tuple[Path, list[dict[str, Any]]]) -> Iterator[TestClient]:
    with TestClient(create_app(workspace=workspace[0])) as test_client:
        yield test_client


def test_segments_cover_the_text_and_carry_every_mark() -> None:
    text = "call 212 555 0123 now"
    marks = [Mark(5, 17, "id", "phone"), Mark(0, 4, "flag", "a"), Mark(9, 12, "flag", "b")]
    cut = segments(text, marks)
    assert "".join(segment.text for segment in cut) == text
    inner = next(segment for segment in cut if segment.text == "555")
    assert {mark.label for mark in inner.marks} == {"phone", "b"}
    # Marks outside the text or empty are ignored, never an error.
    assert segments("abc", [Mark(2, 9, "x", "y"), Mark(1, 1, "x", "y")]) == segments("abc", [])


def test_overview_shows_counts_and_links(client: TestClient, workspace: Any) -> None:
    path, records = workspace
    page = client.get("/")
    assert page.status_code == 200
    body = page.text
    with Workspace.open(path, read_only=True) as ws:
        posts = ws.count("posts")
        flagged = ws.engine.scalar("SELECT count(*) FROM screens WHERE flagged")
    assert posts == len(records)
    assert re.search(rf'id="count-posts">{posts:,}<', body)
    assert re.search(r'id="count-quarantined">1<', body)
    assert re.search(rf'id="count-flagged">{flagged:,}<', body)
    assert flagged > 0
    assert 'href="/posts/' in body and 'href="/clusters/tc-' in body


def test_post_page_escapes_the_text_and_highlights_what_was_found(client: TestClient) -> None:
    page = client.get("/posts/" + HOSTILE["id"].replace("<", "%3C").replace(">", "%3E"))
    assert page.status_code == 200
    body = page.text
    assert "<script>alert" not in body and "<b>girl</b>" not in body
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body
    assert "+12125550123" in body  # the phone written in words, canonical
    text_block = re.search(r'<p class="post-text" id="post-text">(.*?)</p>', body, re.S)
    assert text_block is not None
    # The highlighted text is the original text, once, in order.
    assert html.unescape(re.sub(r"<[^>]+>", "", text_block.group(1))) == HOSTILE["text"]
    assert re.search(r'<mark class="id id-phone"[^>]*>two one two 555 0123</mark>', body)
    assert re.search(r'<mark class="flag flag-strong"[^>]*>', body)
    assert "YO.CLAIMED_MINOR" in body


def test_unknown_post_and_cluster_are_404(client: TestClient) -> None:
    missing = client.get("/posts/<no-such-post>")
    assert missing.status_code == 404
    assert "text/html" in missing.headers["content-type"]
    assert "&lt;no-such-post&gt;" in missing.text and "<no-such-post>" not in missing.text
    assert client.get("/clusters/tc-0000").status_code == 404
    # The JSON API keeps JSON errors.
    api = client.get("/v1/nothing")
    assert api.status_code == 404 and api.headers["content-type"] == "application/json"


def test_cluster_pages_show_template_slots_and_fillers(client: TestClient, workspace: Any) -> None:
    path, _ = workspace
    with Workspace.open(path, read_only=True) as ws:
        cluster_id, size, slots = ws.engine.fetchone(
            "SELECT cluster_id, size, slot_count FROM clusters WHERE slot_count > 0 "
            "ORDER BY size DESC, cluster_id LIMIT 1"
        ) or (None, 0, 0)
        filler = ws.engine.scalar(
            "SELECT fillers[1] FROM cluster_members WHERE cluster_id = ? ORDER BY post_id LIMIT 1",
            [cluster_id],
        )
    assert cluster_id is not None
    listing = client.get("/clusters")
    assert listing.status_code == 200 and cluster_id in listing.text
    page = client.get(f"/clusters/{cluster_id}")
    assert page.status_code == 200
    assert page.text.count('<span class="slot"') == slots
    assert f"{size:,} posts" in page.text
    assert html.escape(filler, quote=True) in page.text or html.escape(filler) in page.text


def test_screen_form_scores_and_explains(client: TestClient) -> None:
    form = client.get("/screen")
    assert form.status_code == 200 and 'name="text"' in form.text
    result = client.post(
        "/screen", data={"text": "Barely legal 17 yo <i>new</i> in town", "profile": ""}
    )
    assert result.status_code == 200
    assert 'id="score"' in result.text and "for review" in result.text
    assert "&lt;i&gt;new&lt;/i&gt;" in result.text and "<i>new</i>" not in result.text
    bad = client.post("/screen", data={"text": "x", "profile": "dating"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    missing = client.post("/screen", data={})
    assert missing.status_code == 422


def test_without_a_workspace_only_screening_is_served() -> None:
    with TestClient(create_app()) as bare:
        root = bare.get("/", follow_redirects=False)
        assert root.status_code == 303 and root.headers["location"] == "/screen"
        assert bare.get("/screen").status_code == 200
        assert bare.get("/clusters").status_code == 404
        assert bare.get("/v1/health").status_code == 200


def test_static_assets_are_served_from_the_package(client: TestClient) -> None:
    css = client.get("/static/app.css")
    assert css.status_code == 200 and "mark.flag-strong" in css.text
    assert client.get("/static/nothing.js").status_code == 404


def test_timeline_counts_every_dated_post_and_shows_gaps() -> None:
    from datetime import datetime, timedelta

    from threadline.web.charts import timeline

    start = datetime(2025, 1, 1, 12)
    times = [start, start, start + timedelta(days=3), None]
    bars = timeline(times)
    assert [bar.posts for bar in bars] == [2, 0, 0, 1]
    assert sum(bar.posts for bar in bars) == 3
    long_span = timeline([start, start + timedelta(days=400)])
    assert {bar.days for bar in long_span} == {7}
    assert sum(bar.posts for bar in long_span) == 2
    assert timeline([None]) == []


def test_circuit_orders_places_by_first_post() -> None:
    from datetime import datetime

    from threadline.web.charts import circuit

    rows = [
        (datetime(2025, 3, 5), "Dallas, TX, US"),
        (datetime(2025, 3, 1), "Houston, TX, US"),
        (datetime(2025, 3, 9), "Houston, TX, US"),
        (datetime(2025, 3, 2), None),
        (None, "Austin, TX, US"),
        (datetime(2025, 3, 7), "Atlantis, 00, XX"),
    ]
    stops = circuit(rows)
    assert [stop.place for stop in stops] == [
        "Houston, TX, US",
        "Dallas, TX, US",
        "Atlantis, 00, XX",
    ]
    assert stops[0].posts == 2 and stops[0].last == datetime(2025, 3, 9)
    assert stops[0].latitude is not None and stops[2].latitude is None


def test_cluster_page_has_timeline_and_circuit(client: TestClient, workspace: Any) -> None:
    path, _ = workspace
    with Workspace.open(path, read_only=True) as ws:
        cluster_id, size = ws.engine.fetchone(
            "SELECT cluster_id, size FROM clusters ORDER BY size DESC, cluster_id LIMIT 1"
        ) or ("", 0)
    body = client.get(f"/clusters/{cluster_id}").text
    posts_in_bars = sum(int(n) for n in re.findall(r'data-posts="(\d+)"', body))
    assert posts_in_bars == size  # every member is dated in the synthetic corpus
    assert 'id="circuit-data"' in body and 'src="/static/vendor/leaflet.js"' in body


def test_networks_list_filters_and_sorts(client: TestClient, workspace: Any) -> None:
    path, _ = workspace
    with Workspace.open(path, read_only=True) as ws:
        best, pattern = ws.engine.fetchone(
            "SELECT network_id, pattern FROM networks ORDER BY score DESC, network_id LIMIT 1"
        ) or ("", "")
        total = ws.count("networks")
    page = client.get("/networks")
    assert page.status_code == 200 and best in page.text
    assert f"{total:,} networks;" in page.text
    first_link = re.search(
        r'<table id="networks">.*?href="/networks/(nw-[0-9a-f]+)"', page.text, re.S
    )
    assert first_link is not None and first_link.group(1) == best
    only = client.get("/networks", params={"pattern": pattern})
    patterns = set(re.findall(r"</td><td>([a-z_]+)</td>\s*<td class=\"num\">", only.text))
    assert patterns == {pattern}
    by_posts = client.get("/networks", params={"sort": "posts"})
    sizes = [
        int(n.replace(",", ""))
        for n in re.findall(r'<td class="num">([\d,]+)</td><td class="num">\d+</td>', by_posts.text)
    ]
    assert sizes == sorted(sizes, reverse=True) and sizes
    assert client.get("/networks", params={"pattern": "nonsense"}).status_code == 422
    assert client.get("/networks", params={"sort": "nonsense"}).status_code == 422
    assert client.get("/networks", params={"min_score": 2}).status_code == 422
    nowhere = client.get("/networks", params={"city": "Atlantis"})
    assert nowhere.status_code == 200 and "/networks/nw-" not in nowhere.text


def test_persona_lanes_split_the_timeline_by_persona() -> None:
    from datetime import datetime, timedelta

    from threadline.web.charts import MAX_LANES, persona_lanes, timeline

    start = datetime(2025, 1, 1, 12)
    rows = [
        (start, "Jasmine, 21"),
        (start + timedelta(days=2), "Jasmine, 21"),
        (start + timedelta(days=2), "Rosa, 19"),
        (None, "Rosa, 19"),
        (start + timedelta(days=1), None),
    ]
    bars = timeline(when for when, _ in rows)
    lanes = persona_lanes(rows, bars)
    assert [(lane.persona, lane.posts, lane.counts) for lane in lanes] == [
        ("Jasmine, 21", 2, (1, 0, 1)),
        ("Rosa, 19", 2, (0, 0, 1)),
        ("no persona named", 1, (0, 1, 0)),
    ]
    assert lanes[1].first == lanes[1].last == start + timedelta(days=2)
    # Every dated post lands in exactly one lane and period: the lanes add up to the timeline.
    assert [sum(column) for column in zip(*(lane.counts for lane in lanes), strict=True)] == [
        bar.posts for bar in bars
    ]
    many = [(start, f"P{n}") for n in range(MAX_LANES + 5)]
    squeezed = persona_lanes(many, timeline(when for when, _ in many))
    assert len(squeezed) == MAX_LANES
    assert squeezed[-1].persona == "other personas (6)" and squeezed[-1].posts == 6


def test_network_page_shows_factors_evidence_and_graph(client: TestClient, workspace: Any) -> None:
    path, _ = workspace
    with Workspace.open(path, read_only=True) as ws:
        network, posts = ws.engine.fetchone(
            "SELECT network_id, posts FROM networks ORDER BY score DESC, network_id LIMIT 1"
        ) or ("", 0)
    page = client.get(f"/networks/{network}")
    assert page.status_code == 200
    body = page.text
    for factor in ("multi_persona", "movement", "young_ages", "controller_language"):
        assert f"<td>{factor}</td>" in body
    assert 'id="network-graph-data"' in body and 'id="circuit-data"' in body
    graph = re.search(r'id="network-graph-data">(.*?)</script>', body, re.S)
    assert graph is not None
    elements = orjson.loads(html.unescape(graph.group(1)))
    assert sum(1 for e in elements if e["data"].get("kind") == "post") == min(posts, 300)
    assert body.count('<tr><td><a href="/posts/') >= min(posts, 500)
    # One lane per persona in the per-persona timeline, with the posts of each.
    lanes = re.findall(r'<g class="lane" data-persona="([^"]*)" data-posts="(\d+)"', body)
    assert lanes and sum(int(n) for _, n in lanes) == posts
    assert client.get("/networks/nw-none").status_code == 404


def test_search_reads_any_written_form(client: TestClient) -> None:
    page = client.get("/search", params={"q": "(212) 555-0123"})
    assert page.status_code == 200
    assert "phone <code>+12125550123</code>" in page.text
    assert "hand-&lt;1&gt;" in page.text or "hand-%3C1%3E" in page.text
    none = client.get("/search", params={"q": "nobody@nowhere.example"})
    assert 'id="no-match"' in none.text
    assert client.get("/search").status_code == 200


def test_network_view_is_the_same_for_a_large_network(
    workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A network too large to name its posts in the query is joined instead: same view, and
    its personas are those of the link stage's profile (names and ages as it reads them)."""
    from threadline.link.rank import PostFacts, personas_of
    from threadline.web import reader as reader_module

    path, _ = workspace
    page_reader = reader_module.WorkspaceReader(path)
    try:
        with Workspace.open(path, read_only=True) as ws:
            network = ws.engine.scalar(
                "SELECT network_id FROM networks ORDER BY posts DESC, network_id LIMIT 1"
            )
            posts = ws.engine.fetchall(
                """SELECT p.id, p.posted_at, p.author FROM network_posts n
                   JOIN posts p ON p.id = n.post_id WHERE n.network_id = ? ORDER BY p.id""",
                [network],
            )
            found = ws.engine.fetchall(
                """SELECT i.post_id, i.kind, i.canonical FROM network_posts n
                   JOIN identifiers i ON i.post_id = n.post_id
                   WHERE n.network_id = ? AND i.kind IN ('name', 'age')
                   ORDER BY i.post_id, i.field DESC, i.start_offset, i.end_offset, i.kind""",
                [network],
            )
        listed = page_reader.network_view(network)
        monkeypatch.setattr(reader_module, "_LISTED_POSTS", 1)
        joined = page_reader.network_view(network)
    finally:
        page_reader.close()
    assert listed == joined
    assert len(listed.activity) == len(listed.personas) == len(posts) >= 2
    assert any(e["data"].get("kind") == "template" for e in listed.graph)
    assert any(kind == "name" for _, kind, _ in found)
    facts = [
        PostFacts(
            post_id,
            posted_at,
            None,
            None,
            author,
            ages=tuple(int(c) for p, k, c in found if p == post_id and k == "age"),
            names=tuple(dict.fromkeys(c for p, k, c in found if p == post_id and k == "name")),
        )
        for post_id, posted_at, author in posts
    ]
    assert [label for _, label in listed.personas] == personas_of(facts)
