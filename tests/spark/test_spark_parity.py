"""Both engines, one set of cases (Splink's pattern): the ``analysed`` fixture runs the same
input through DuckDB and through Spark (local mode) and hands each test a workspace to read.

The last tests compare the engines table by table: same posts, quarantine, identifiers,
screens, flags, networks (ids, members, scores, factors) and set-aside hubs.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from PIL import Image, ImageDraw

from threadline.ingest import ingest
from threadline.pipeline import analyze
from threadline.steps.link import find, load_networks
from threadline.synth import write_corpus
from threadline.workspace import Workspace

STAGES = ("extract", "cluster", "screen", "link")
ENGINES = ("duckdb", "spark")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    inputs = root / "inputs"
    inputs.mkdir()
    write_corpus(1500, 11, inputs / "a.jsonl", root / "truth.json")
    # A hub: a site's support number on 40 advertisers' posts, two each with her own phone.
    hub = [
        {
            "id": f"hub-{n}",
            "text": f"Sweet girl in town, text me 415 555 {1000 + n // 2:04d}. "
            "Questions about the site? Support line 212-555-0100",
            "posted_at": f"2026-03-{1 + n % 28:02d}T10:00:00Z",
            "location": "Houston, TX",
        }
        for n in range(80)
    ]
    # A controller's phone behind three personas, written three ways.
    hand = [
        {"id": "hand-0", "text": "Amber 19 new in Dallas call 4 1 5 - 5 5 5 - 0 1 8 8"},
        {"id": "hand-1", "text": "Jade 20 just arrived, four one five 555 0188"},
        {"id": "hand-2", "text": "Rose 18 sweet and fun (415) 555.0188"},
    ]
    # One photo, resized and re-encoded, behind three otherwise unrelated posts; a missing
    # file and a file that is no image are recorded, not fatal.
    pictures = root / "images"
    pictures.mkdir()
    _photo(pictures / "p.png", 7)
    for number, (scale, quality) in enumerate([(1.0, 95), (0.5, 70), (0.8, 40)]):
        with Image.open(pictures / "p.png") as image:
            width, height = image.size
            image.convert("RGB").resize((int(width * scale), int(height * scale))).save(
                pictures / f"p{number}.jpg", quality=quality
            )
    (pictures / "junk.jpg").write_bytes(b"no image here")
    photo_posts = [
        {
            "id": "img-0",
            "text": "Exotic dancer tonight only, text 305 555 0141",
            "images": ["../images/p0.jpg"],
        },
        {
            "id": "img-1",
            "text": "Sweet companion visiting Miami, call 786-555-0142",
            "images": ["../images/p1.jpg", "../images/junk.jpg"],
        },
        {
            "id": "img-2",
            "text": "Petite brunette, new pictures, 954.555.0143",
            "images": ["../images/p2.jpg", "../images/gone.jpg"],
        },
    ]
    bad = [b"{not json", orjson.dumps({"id": "no-text"}), orjson.dumps(hub[0])]
    lines = [orjson.dumps(record) for record in hub + hand + photo_posts] + bad
    (inputs / "b.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return inputs


def _photo(path: Path, seed: int) -> None:
    """A synthetic photo: random coloured shapes."""
    rng = random.Random(seed)
    image = Image.new("RGB", (320, 240), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = rng.randrange(320), rng.randrange(240)
        x1, y1 = x0 + rng.randrange(20, 160), y0 + rng.randrange(20, 120)
        draw.ellipse((x0, y0, x1, y1), fill=tuple(rng.randrange(256) for _ in range(3)))
    image.save(path)


class _Runs:
    """Each engine's workspace over the corpus, made once per module on first use."""

    def __init__(self, corpus: Path, root: Path, request: pytest.FixtureRequest) -> None:
        self.corpus, self.root, self.request = corpus, root, request
        self.done: dict[str, Path] = {}
        self.failed: dict[str, BaseException] = {}

    def __getitem__(self, engine: str) -> Path:
        if engine in self.failed:
            # Every later test reports the first run's own error, not a symptom of it.
            raise RuntimeError(f"the {engine} run failed earlier") from self.failed[engine]
        if engine not in self.done:
            try:
                self.done[engine] = self._run(engine)
            except BaseException as error:
                self.failed[engine] = error
                raise
        return self.done[engine]

    def _run(self, engine: str) -> Path:
        workspace = self.root / engine / "w.duckdb"
        workspace.parent.mkdir()
        if engine == "duckdb":
            with Workspace.open(workspace) as ws:
                ingest(ws, [self.corpus])
                analyze(ws, stages=STAGES)
        else:
            from threadline.spark.pipeline import analyze as spark_analyze
            from threadline.spark.pipeline import open_as_workspace
            from threadline.spark.storage import Output

            # The run goes to a file-system URI, through the Hadoop FileSystem a cluster would
            # use (file:// is Hadoop's local file system), and is copied back for DuckDB.
            spark = self.request.getfixturevalue("spark")
            out = (workspace.parent / "out").resolve().as_uri()
            spark_analyze(spark, [self.corpus], out, stages=STAGES)
            fetched = self.root / engine / "fetched"
            fetched.mkdir()
            open_as_workspace(Output(spark, out).fetch(fetched), workspace)
            # Nothing but the run itself is left next to it (the staging directory was renamed).
            assert sorted(p.name for p in workspace.parent.iterdir()) == [
                "fetched",
                "out",
                "w.duckdb",
            ]
        return workspace


@pytest.fixture(scope="module")
def runs(
    corpus: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> _Runs:
    return _Runs(corpus, tmp_path_factory.mktemp("runs"), request)


@pytest.fixture(params=ENGINES)
def analysed(request: pytest.FixtureRequest, runs: _Runs) -> tuple[str, Path]:
    """(engine, workspace) after ingest and the stages both engines run."""
    return request.param, runs[request.param]


def _rows(workspace: Path, sql: str) -> list[tuple[Any, ...]]:
    with Workspace.open(workspace, read_only=True) as ws:
        return ws.engine.fetchall(sql)


def test_bad_records_are_quarantined_with_line_and_reason(analysed: tuple[str, Path]) -> None:
    _, workspace = analysed
    rows = _rows(workspace, "SELECT source, line, reason FROM quarantine ORDER BY line")
    assert [(Path(source).name, line, reason.split(":")[0]) for source, line, reason in rows] == [
        ("b.jsonl", 87, "bad_json"),
        ("b.jsonl", 88, "missing_text"),
    ]
    # The exact duplicate of hub-0 is an occurrence, not a second post.
    assert _rows(workspace, "SELECT count(*) FROM post_occurrences WHERE post_id = 'hub-0'") == [
        (2,)
    ]


def test_obfuscated_phone_is_one_identifier_and_one_network(analysed: tuple[str, Path]) -> None:
    _, workspace = analysed
    rows = _rows(
        workspace,
        "SELECT DISTINCT canonical FROM identifiers WHERE post_id LIKE 'hand-%' AND kind = 'phone'",
    )
    assert rows == [("+14155550188",)]
    with Workspace.open(workspace, read_only=True) as ws:
        answer = find(ws, "(415) 555-0188")
    (match,) = answer["matches"]
    assert sorted(match["post_ids"]) == ["hand-0", "hand-1", "hand-2"]
    assert len(match["networks"]) == 1


def test_the_support_number_is_set_aside_as_a_hub(analysed: tuple[str, Path]) -> None:
    _, workspace = analysed
    rows = _rows(workspace, "SELECT kind, key, posts, groups FROM set_aside WHERE kind = 'phone'")
    assert ("phone", "+12125550100", 80, 40) in rows
    # So the 40 advertisers are 40 networks of two posts, not one.
    networks = _rows(
        workspace, "SELECT count(DISTINCT network_id) FROM network_posts WHERE post_id LIKE 'hub-%'"
    )
    assert networks == [(40,)]


def test_a_template_reposted_by_many_is_one_cluster(analysed: tuple[str, Path]) -> None:
    _, workspace = analysed
    rows = _rows(
        workspace,
        "SELECT c.cluster_id, c.size, c.template, count(*) FROM cluster_members m "
        "JOIN clusters c USING (cluster_id) WHERE m.post_id LIKE 'hub-%' GROUP BY ALL",
    )
    ((cluster, size, template, hub_posts),) = rows
    assert hub_posts == 80 and size >= 80
    assert template == "sweet girl in town text me {…} questions about the site support line {…}"
    # Forty advertisers repost it: a shared template, not one author's, so it links nobody.
    assert _rows(workspace, f"SELECT kind FROM set_aside WHERE key = '{cluster}'") == [
        ("template",)
    ]


def test_posts_sharing_one_photo_are_one_network(analysed: tuple[str, Path]) -> None:
    _, workspace = analysed
    errors = _rows(
        workspace,
        "SELECT post_id, path, error FROM image_hashes WHERE phash IS NULL ORDER BY post_id",
    )
    assert errors == [
        ("img-1", "../images/junk.jpg", "not a readable image: UnidentifiedImageError"),
        ("img-2", "../images/gone.jpg", "file not found"),
    ]
    networks = _rows(
        workspace,
        "SELECT network_id, list(post_id ORDER BY post_id) FROM network_posts "
        "WHERE post_id LIKE 'img-%' GROUP BY network_id",
    )
    ((network, members),) = networks
    assert members == ["img-0", "img-1", "img-2"]
    kinds = _rows(
        workspace,
        f"SELECT kind, posts FROM network_identifiers WHERE network_id = '{network}' "
        "AND kind = 'image'",
    )
    assert kinds == [("image", 3)]


def test_networks_are_ranked_leads_with_factors(analysed: tuple[str, Path]) -> None:
    _, workspace = analysed
    with Workspace.open(workspace, read_only=True) as ws:
        rows = load_networks(ws, limit=10)
    assert rows, "the synthetic corpus has networks"
    assert [row["score"] for row in rows] == sorted((row["score"] for row in rows), reverse=True)
    assert all(row["factors"] and len(row["post_ids"]) >= 2 for row in rows)


# --------------------------------------------------------------------------- parity

_PARITY_QUERIES = {
    "posts": "SELECT id, text, title, posted_at, site, url, location, author, images, "
    "content_hash, line FROM posts ORDER BY id",
    "occurrences": "SELECT source, line, post_id FROM post_occurrences ORDER BY ALL",
    "quarantine": "SELECT source, line, reason, raw_excerpt FROM quarantine ORDER BY ALL",
    "identifiers": "SELECT post_id, field, kind, value, canonical, start_offset, end_offset "
    "FROM identifiers ORDER BY ALL",
    "regions": "SELECT post_id, region FROM extracted_posts ORDER BY ALL",
    "screens": "SELECT post_id, round(score, 9), band, profile, flagged, flag_count FROM screens "
    "ORDER BY post_id",
    "flags": "SELECT post_id, field, code, category, strength, weight, start_offset, end_offset, "
    "matched FROM flags ORDER BY ALL",
    "networks": "SELECT network_id, round(score, 9), round(model_score, 9), pattern, "
    "pattern_reason, posts, personas, one_off_personas, identifiers, phones, cities, "
    "first_seen, last_seen, round(posts_per_day, 9), ages, prices, templates, sites, "
    "flag_categories, factors FROM networks ORDER BY network_id",
    "clusters": "SELECT cluster_id, size, template, slot_count, round(cohesion, 9), "
    "medoid_post_id, first_seen, last_seen, locations, sites FROM clusters ORDER BY cluster_id",
    "cluster_members": "SELECT cluster_id, post_id, fillers FROM cluster_members ORDER BY ALL",
    "clustered_posts": "SELECT post_id FROM clustered_posts ORDER BY ALL",
    "network_posts": "SELECT network_id, post_id FROM network_posts ORDER BY ALL",
    "network_identifiers": "SELECT * FROM network_identifiers ORDER BY ALL",
    "set_aside": "SELECT kind, key, posts, groups, reason FROM set_aside ORDER BY ALL",
    "image_hashes": "SELECT post_id, path, phash, error FROM image_hashes ORDER BY ALL",
    # The incremental index, so a workspace opened from a Spark run takes new posts as one
    # built by DuckDB does.
    "cluster_index_meta": "SELECT settings_json, post_count, doc_count FROM cluster_index_meta",
    "cluster_index_posts": "SELECT post, post_id FROM cluster_index_posts ORDER BY ALL",
    "cluster_index_buckets": "SELECT key, post FROM cluster_index_buckets ORDER BY ALL",
    "cluster_index_shingles": "SELECT shingle, df FROM cluster_index_shingles ORDER BY ALL",
    "cluster_index_common": "SELECT shingle FROM cluster_index_common ORDER BY ALL",
    "cluster_index_medoids": "SELECT label, post FROM cluster_index_medoids ORDER BY ALL",
}


@pytest.mark.parametrize("table", sorted(_PARITY_QUERIES))
def test_both_engines_give_the_same_tables(runs: _Runs, table: str) -> None:
    duck = _rows(runs["duckdb"], _PARITY_QUERIES[table])
    spark = _rows(runs["spark"], _PARITY_QUERIES[table])
    assert len(duck) == len(spark)
    assert duck == spark


def test_new_posts_after_a_spark_run_are_clustered_incrementally(
    runs: _Runs, tmp_path: Path
) -> None:
    """A workspace opened from Spark output carries the incremental index: the next cluster run
    updates it (no re-clustering) and gives what the same update on the DuckDB workspace gives."""
    import shutil

    from threadline.synth import generate

    extra = tmp_path / "extra.jsonl"
    records = [{**record, "id": f"new-{record['id']}"} for record, _ in generate(60, 23)]
    extra.write_bytes(b"\n".join(orjson.dumps(record) for record in records) + b"\n")
    results = {}
    for engine in ENGINES:
        workspace = tmp_path / f"{engine}.duckdb"
        shutil.copy(runs[engine], workspace)
        with Workspace.open(workspace) as ws:
            ingest(ws, [extra])
            (report,) = analyze(ws, stages=("cluster",))
            assert report.counts["mode"] == "update", engine
            assert report.counts["new_posts"] == 60
            results[engine] = ws.engine.fetchall(
                "SELECT cluster_id, size, template, medoid_post_id, list(post_id ORDER BY post_id) "
                "FROM clusters JOIN cluster_members USING (cluster_id) GROUP BY ALL ORDER BY ALL"
            )
    assert results["duckdb"] == results["spark"]
