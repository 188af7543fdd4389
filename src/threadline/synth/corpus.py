"""Writing a corpus to disk (JSONL posts plus a JSON truth file) and reading the truth back.

The truth file is one JSON object. Its ``posts`` array holds one post per line, so a reader can
stream it line by line (:func:`iter_truth_posts`) without loading a million-post truth at once;
the network and campaign summaries come after the posts because they are complete only once the
last post is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from threadline.synth.generator import (
    CATEGORIES,
    CorpusGenerator,
    Decoy,
    SynthConfig,
    TruthIdentifier,
)

__all__ = ["TRUTH_SCHEMA", "CorpusSummary", "iter_truth_posts", "load_truth", "write_corpus"]

#: Name and version of the truth file's layout (docs/synth.md describes it).
TRUTH_SCHEMA = "threadline.synth.truth/1"

#: Posts between two progress callbacks.
PROGRESS_EVERY = 10_000


@dataclass(frozen=True, slots=True)
class CorpusSummary:
    """What :func:`write_corpus` wrote, and how fast."""

    posts: int
    seed: int
    by_category: dict[str, int]
    actors: dict[str, int]
    networks: int
    phones_issued: int
    phones_reused: int
    seconds: float
    posts_per_second: float
    out: str
    truth: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def write_corpus(
    n: int,
    seed: int,
    out: Path,
    truth: Path,
    progress: Callable[[int], None] | None = None,
    config: SynthConfig | None = None,
) -> CorpusSummary:
    """Write ``n`` posts to ``out`` (JSONL) and their truth to ``truth`` (JSON), streaming.

    ``progress`` is called with the number of posts written since its previous call (an
    increment, as a progress bar's ``advance`` takes it) every :data:`PROGRESS_EVERY` posts and
    once for the rest at the end; the increments add up to ``n``. The same ``n``, ``seed`` and
    ``config`` give byte-identical files.
    """
    started = time.perf_counter()
    corpus = CorpusGenerator(n, seed, config)
    dumps = orjson.dumps
    with out.open("wb") as posts_file, truth.open("wb") as truth_file:
        header = {
            "schema": TRUTH_SCHEMA,
            "seed": seed,
            "n": n,
            "config": asdict(corpus.config),
            "categories": list(CATEGORIES),
            "identifier_fields": list(TruthIdentifier._fields),
            "decoy_fields": list(Decoy._fields),
        }
        truth_file.write(dumps(header)[:-1] + b',"posts":[\n')
        written = 0
        post_lines: list[bytes] = []
        truth_lines: list[bytes] = []
        for record, post_truth in corpus:
            post_lines.append(dumps(record))
            truth_lines.append(dumps(post_truth, default=tuple))
            written += 1
            if written % PROGRESS_EVERY == 0:
                posts_file.write(b"\n".join(post_lines) + b"\n")
                truth_file.write(b",\n".join(truth_lines) + (b",\n" if written < n else b"\n"))
                post_lines.clear()
                truth_lines.clear()
                if progress is not None:
                    progress(PROGRESS_EVERY)
        if post_lines:
            posts_file.write(b"\n".join(post_lines) + b"\n")
            truth_file.write(b",\n".join(truth_lines) + b"\n")
        seconds = time.perf_counter() - started
        summary = CorpusSummary(
            posts=written,
            seed=seed,
            by_category=dict(corpus.counts),
            actors=corpus.actors,
            networks=len(corpus.networks),
            phones_issued=corpus.phones_issued,
            phones_reused=corpus.phones_reused,
            seconds=round(seconds, 3),
            posts_per_second=round(written / seconds, 1) if seconds > 0 else 0.0,
            out=str(out),
            truth=str(truth),
        )
        truth_file.write(b'],\n"networks":[\n')
        truth_file.write(b",\n".join(dumps(net) for net in corpus.networks))
        truth_file.write(b'\n],\n"campaigns":[\n')
        truth_file.write(b",\n".join(dumps(c) for c in corpus.campaigns))
        # The summary in the file leaves out timings and paths, so the bytes depend on the seed.
        stable = {
            "posts": written,
            "by_category": summary.by_category,
            "actors": summary.actors,
            "networks": summary.networks,
            "phones_issued": summary.phones_issued,
            "phones_reused": summary.phones_reused,
        }
        truth_file.write(b'\n],\n"summary":' + dumps(stable) + b"}\n")
    if progress is not None and written % PROGRESS_EVERY:
        progress(written % PROGRESS_EVERY)
    return summary


def load_truth(path: Path) -> dict[str, Any]:
    """The whole truth file as a dict (fine for corpora up to a few hundred thousand posts)."""
    loaded: dict[str, Any] = orjson.loads(path.read_bytes())
    return loaded


def iter_truth_posts(path: Path, *, expand: bool = True) -> Iterator[dict[str, Any]]:
    """Stream the per-post truth of a file written by :func:`write_corpus`, one dict per post.

    With ``expand`` (the default) identifiers and decoys become dicts keyed by field name;
    without it they stay the compact arrays of the file.
    """
    with path.open("rb") as handle:
        first = handle.readline()
        if not first.startswith(b'{"schema":"threadline.synth.truth/') or b'"posts":[' not in first:
            raise ValueError(f"{path} is not a threadline synth truth file")
        for line in handle:
            if line.startswith(b"]"):
                return
            post: dict[str, Any] = orjson.loads(line.rstrip(b",\n"))
            if expand:
                post["identifiers"] = [
                    dict(zip(_ID_FIELDS, row, strict=True)) for row in post["identifiers"]
                ]
                post["decoys"] = [
                    dict(zip(_DECOY_FIELDS, row, strict=True)) for row in post["decoys"]
                ]
            yield post
        raise ValueError(f"{path} ends inside the posts array: truncated?")


_ID_FIELDS = TruthIdentifier._fields
_DECOY_FIELDS = Decoy._fields
