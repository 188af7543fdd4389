"""Synthetic corpus with ground truth: realistic ads and job posts for demos, tests, benchmarks.

Nothing here is real: personas, phones (fictional 555-01XX and UK drama numbers), wallets (random
payloads with valid checksums) and every sentence are generated. See docs/synth.md.

    >>> from threadline.synth import generate
    >>> record, truth = next(generate(10, seed=1))
    >>> found = truth.identifiers[0]
    >>> found.kind, found.canonical, record[found.field][found.start : found.end]
    ('age', '22', '22 y/o')
"""

from __future__ import annotations

from threadline.synth.corpus import (
    TRUTH_SCHEMA,
    CorpusSummary,
    iter_truth_posts,
    load_truth,
    write_corpus,
)
from threadline.synth.generator import (
    CATEGORIES,
    DEFAULT_MIX,
    CampaignTruth,
    CorpusGenerator,
    Decoy,
    NetworkTruth,
    PostTruth,
    SynthConfig,
    TruthIdentifier,
    generate,
)

__all__ = [
    "CATEGORIES",
    "DEFAULT_MIX",
    "TRUTH_SCHEMA",
    "CampaignTruth",
    "CorpusGenerator",
    "CorpusSummary",
    "Decoy",
    "NetworkTruth",
    "PostTruth",
    "SynthConfig",
    "TruthIdentifier",
    "generate",
    "iter_truth_posts",
    "load_truth",
    "write_corpus",
]
