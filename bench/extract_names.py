"""Persona names: cost per post and precision/recall against a synthetic corpus's truth.

    .venv/bin/python bench/extract_names.py --posts P.jsonl --truth T.json [--n 20000]

(``threadline synth --out P.jsonl --truth T.json --n 20000`` writes the two files.)

Cost: process CPU time of :func:`threadline.extract.name.find` per post (title and text joined
and folded beforehand, as the facade calls it), beside :func:`threadline.extract.age.find` measured
in the same run as the baseline ratio; best of five rounds.

Quality: against the names the truth records (every ``name`` slot the generator filled),
counted per post and distinct canonical name, so a name mentioned twice counts once here
(``threadline evaluate extract`` counts every mention). Job posts name no persona.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from threadline.extract import age, name
from threadline.extract.normalize import Folded, fold
from threadline.records import Identifier
from threadline.synth.corpus import iter_truth_posts

#: As :mod:`threadline.extract` joins a post's title and text for one extraction pass.
_FIELD_SEPARATOR = "\n\n\x07\n\n"


def _cpu_us(find: Callable[[Folded, str], list[Identifier]], folded: list[Folded]) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for item in folded:
            find(item, "US")
        best = min(best, time.process_time() - started)
    return best / max(1, len(folded)) * 1e6


def _truth_names(truths: list[dict[str, Any]]) -> list[set[str]]:
    return [
        {item["canonical"] for item in truth["identifiers"] if item["kind"] == "name"}
        for truth in truths
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--show", type=int, default=0, help="print this many errors of each kind")
    args = parser.parse_args()
    with args.posts.open("rb") as handle:
        records = [orjson.loads(line) for line in islice(handle, args.n)]
    truths = list(islice(iter_truth_posts(args.truth), len(records)))
    # Title and text joined as the extraction facade joins them: one call per post.
    folded = [
        fold(
            record["title"] + _FIELD_SEPARATOR + record["text"]
            if record.get("title")
            else record["text"]
        )
        for record in records
    ]
    name.find(fold("warm up: I'm Jasmine, 21"), "US")
    name_us = _cpu_us(name.find, folded)
    age_us = _cpu_us(age.find, folded)
    chars = sum(len(item.text) for item in folded) / len(records)
    print(f"{len(records):,} posts (title and text joined), mean {chars:.0f} chars")
    print(
        f"name.find {name_us:.1f} µs/post; age.find {age_us:.1f} µs/post "
        f"(ratio {name_us / age_us:.2f})"
    )
    # Posts that name no persona (job ads): the cost of the kind where it is absent.
    jobs = [
        item
        for item, truth in zip(folded, truths, strict=True)
        if truth["category"].startswith("job")
    ]
    if jobs:
        jobs_name, jobs_age = _cpu_us(name.find, jobs), _cpu_us(age.find, jobs)
        print(
            f"  on {len(jobs):,} job posts (no persona): name.find {jobs_name:.1f} µs/post; "
            f"age.find {jobs_age:.1f} µs/post"
        )

    wanted = _truth_names(truths)
    tp = fp = fn = 0
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    false_pos: list[str] = []
    false_neg: list[str] = []
    for record, truth, item, want in zip(records, truths, folded, wanted, strict=True):
        got = {ident.canonical for ident in name.find(item, "US")}
        hits = len(got & want)
        tally = by_category[truth["category"]]
        tally[0] += hits
        tally[1] += len(got - want)
        tally[2] += len(want - got)
        tp, fp, fn = tp + hits, fp + len(got - want), fn + len(want - got)
        if got - want and len(false_pos) < args.show:
            false_pos.append(
                f"{sorted(got - want)} in {record.get('title')!r} {record['text'][:200]!r}"
            )
        if want - got and len(false_neg) < args.show:
            false_neg.append(
                f"{sorted(want - got)} in {record.get('title')!r} {record['text'][:200]!r}"
            )
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"names: precision {precision:.4f} recall {recall:.4f} (tp {tp}, fp {fp}, fn {fn})")
    for category, (c_tp, c_fp, c_fn) in sorted(by_category.items()):
        print(f"  {category:<12} tp {c_tp:>6} fp {c_fp:>5} fn {c_fn:>5}")
    for line in false_pos:
        print("FP", line)
    for line in false_neg:
        print("FN", line)


if __name__ == "__main__":
    main()
