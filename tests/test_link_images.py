"""Image hashes link posts that reuse one photo (resized, re-encoded), and a stock photo used by
many unrelated advertisers is set aside by the hub guard; bad image files are recorded, never
fatal."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest
from PIL import Image, ImageDraw

from threadline.ingest import ingest
from threadline.link.images import hash_image, image_groups, resolve_image_path
from threadline.pipeline import analyze
from threadline.settings import ExtractSettings, Settings
from threadline.workspace import Workspace

SETTINGS = Settings(extract=ExtractSettings(workers=1))


def _photo(path: Path, seed: int, size: tuple[int, int] = (320, 240)) -> Path:
    """A synthetic 'photo': random coloured shapes, deterministic per seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randrange(20, 160), y0 + rng.randrange(20, 120)
        draw.ellipse((x0, y0, x1, y1), fill=tuple(rng.randrange(256) for _ in range(3)))
    image.save(path)
    return path


def _variant(source: Path, path: Path, scale: float, quality: int) -> Path:
    with Image.open(source) as image:
        width, height = image.size
        image.convert("RGB").resize((int(width * scale), int(height * scale))).save(
            path, quality=quality
        )
    return path


def test_resized_and_reencoded_copies_hash_alike_and_others_do_not(tmp_path: Path) -> None:
    original = _photo(tmp_path / "a.png", 1)
    copies = [
        _variant(original, tmp_path / "a-small.jpg", 0.5, 70),
        _variant(original, tmp_path / "a-big.jpg", 1.7, 90),
    ]
    others = [_photo(tmp_path / f"b{seed}.png", seed) for seed in range(2, 8)]
    hashes = [hash_image(path)[0] for path in [original, *copies, *others]]
    assert all(isinstance(h, int) for h in hashes)
    groups = image_groups([h for h in hashes if h is not None], 6).tolist()
    assert groups[:3] == [0, 0, 0]
    assert len(set(groups[3:])) == len(others) and 0 not in groups[3:]


def test_unreadable_images_give_a_reason(tmp_path: Path) -> None:
    (tmp_path / "x.jpg").write_bytes(b"not an image")
    assert hash_image(tmp_path / "x.jpg") == (None, "not a readable image: UnidentifiedImageError")
    assert hash_image(tmp_path / "missing.jpg") == (None, "file not found")
    assert resolve_image_path("img/a.jpg", "/data/in/posts.jsonl") == Path("/data/in/img/a.jpg")
    assert resolve_image_path("/abs/a.jpg", "/data/in/posts.jsonl") == Path("/abs/a.jpg")
    with pytest.raises(ValueError):
        image_groups([1], 64)


def test_posts_sharing_a_photo_link_and_a_stock_photo_is_a_hub(tmp_path: Path) -> None:
    images = tmp_path / "img"
    images.mkdir()
    photo = _photo(images / "lily.png", 11)
    _variant(photo, images / "lily-small.jpg", 0.6, 75)
    stock = _photo(images / "stock.png", 99)
    records = [
        # Two ads with different phones but the same photo (resized): one author.
        {"id": "a1", "text": "Lily new in town, call 212 555 0101", "images": ["img/lily.png"]},
        {"id": "a2", "text": "Sweet Lily, text 212 555 0102", "images": ["img/lily-small.jpg"]},
        {"id": "a3", "text": "Broken picture, call 212 555 0103", "images": ["img/none.jpg"]},
    ]
    # Thirty unrelated advertisers, two ads each with her own phone, one with a stock photo.
    for n in range(30):
        records.append(
            {
                "id": f"s{n}-1",
                "text": f"Hi I'm Ana{n}, call 313 555 {n:04d}",
                "images": ["img/stock.png"],
            }
        )
        records.append({"id": f"s{n}-2", "text": f"Ana{n} again, 313 555 {n:04d}"})
    source = tmp_path / "posts.jsonl"
    source.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    path = tmp_path / "w.duckdb"
    with Workspace.open(path) as ws:
        ingest(ws, [source])
        report = analyze(ws, SETTINGS, stages=("extract", "link"))[-1]
        assert report.counts["images_hashed"] == 33
        errors = dict(
            ws.engine.fetchall("SELECT path, error FROM image_hashes WHERE error IS NOT NULL")
        )
        network_of = dict(ws.engine.fetchall("SELECT post_id, network_id FROM network_posts"))
        aside = ws.engine.fetchall("SELECT kind, posts, groups FROM set_aside WHERE kind = 'image'")
        again = analyze(ws, SETTINGS, stages=("link",))[-1]
    assert errors == {"img/none.jpg": "file not found"}
    assert network_of["a1"] == network_of["a2"]
    assert "a3" not in network_of
    assert aside == [("image", 30, 30)]
    assert len({network_of[f"s{n}-1"] for n in range(30)}) == 30
    assert network_of["s0-1"] == network_of["s0-2"]
    assert again.counts["images_hashed"] == 0  # hashes are kept, not recomputed
    assert stock.exists()
