"""Images on Spark: the DuckDB path's hashes and near-identical groups, computed by Spark jobs."""

from __future__ import annotations

import random
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from threadline.link.images import hash_image, image_groups
from threadline.spark.images import image_hashes, image_items, locate, read_image


def _photo(path: Path, seed: int, scale: float = 1.0, quality: int = 90) -> Path:
    rng = random.Random(seed)
    size = (320, 240)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randrange(20, 160), y0 + rng.randrange(20, 120)
        draw.ellipse((x0, y0, x1, y1), fill=tuple(rng.randrange(256) for _ in range(3)))
    if scale != 1.0:
        image = image.resize((int(size[0] * scale), int(size[1] * scale)))
    image.save(path, quality=quality)
    return path


def test_locate_resolves_like_the_duckdb_step(tmp_path: Path) -> None:
    source = str(tmp_path / "in" / "a.jsonl")
    assert locate("img/x.jpg", source) == str(tmp_path / "in" / "img" / "x.jpg")
    assert locate("/abs/x.jpg", source) == "/abs/x.jpg"
    assert locate("img/x.jpg", "hdfs://nn:8020/data/a.jsonl") == "hdfs://nn:8020/data/img/x.jpg"
    assert locate("s3://bucket/x.jpg", "hdfs://nn/data/a.jsonl") == "s3://bucket/x.jpg"
    photo = _photo(tmp_path / "p.png", 1)
    assert read_image(f"file://{photo}") == photo.read_bytes() == read_image(str(photo))
    with pytest.raises(FileNotFoundError):
        read_image(str(tmp_path / "missing.png"))


def test_hashes_match_the_duckdb_step_and_bad_files_are_recorded(
    spark: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _photo(folder / "a.png", 1)
    _photo(folder / "b.jpg", 1, scale=0.5, quality=60)
    (folder / "junk.jpg").write_bytes(b"not an image at all")
    source = str(folder / "posts.jsonl")
    posts = spark.createDataFrame(
        [
            ("p1", source, ["a.png", "b.jpg"]),
            ("p2", source, ["junk.jpg", "gone.png"]),
            ("p3", source, None),
            ("p4", source, []),
        ],
        "id string, source string, images array<string>",
    )
    stamp = datetime(2026, 1, 2, 3, 4, 5)
    rows = {
        (r["post_id"], r["path"]): (r["phash"], r["error"], r["hashed_at"])
        for r in image_hashes(posts, stamp=stamp).collect()
    }
    assert set(rows) == {("p1", "a.png"), ("p1", "b.jpg"), ("p2", "junk.jpg"), ("p2", "gone.png")}
    for name in ("a.png", "b.jpg"):
        expected, error = hash_image(folder / name)
        assert error is None and int(rows[("p1", name)][0]) == expected
        assert rows[("p1", name)][2] == stamp
    assert rows[("p2", "gone.png")][:2] == (None, "file not found")
    assert rows[("p2", "junk.jpg")][:2] == hash_image(folder / "junk.jpg")


def test_groups_equal_the_duckdb_path_on_random_hashes(spark: Any) -> None:
    """Clusters of near copies (a few bits flipped, top bit set or not) among random hashes:
    Spark's band join and components find exactly the DuckDB path's groups and names."""
    rng = random.Random(4)
    hashes: list[int] = []
    for _ in range(40):
        base = rng.getrandbits(64)
        for _ in range(rng.randint(1, 4)):
            flipped = base
            for bit in rng.sample(range(64), rng.randint(0, 6)):
                flipped ^= 1 << bit
            hashes.append(flipped)
    hashes += [0, 1, (1 << 64) - 1]
    rows = [(f"post-{n:03d}", f"{n}.jpg", hashes[n]) for n in range(len(hashes))]
    ordered = sorted(rows, key=lambda row: (row[2], row[0], row[1]))
    groups = image_groups([row[2] for row in ordered], 4)
    members: dict[int, set[str]] = {}
    for row, group in zip(ordered, groups.tolist(), strict=True):
        members.setdefault(group, set()).add(row[0])
    expected = {
        (post_id, f"phash:{ordered[group][2]:016x}")
        for group, posts in members.items()
        if len(posts) >= 2
        for post_id in posts
    }
    frame = spark.createDataFrame(
        [(post_id, path, Decimal(h)) for post_id, path, h in rows],
        "post_id string, path string, phash decimal(20,0)",
    )
    items = image_items(spark, frame, 4).collect()
    assert {r["kind"] for r in items} == {"image"}
    assert {(r["id"], r["key"]) for r in items} == expected
    assert len(expected) > 20  # the case has groups to find
    with pytest.raises(ValueError):
        image_items(spark, frame, 64)
