"""Template micro-clustering end to end on synthetic mutation sets, and its scoring."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from threadline.cluster import (
    SLOT,
    ClusterSettings,
    TemplateCluster,
    cluster,
    evaluate_clusters,
    group_documents,
    sign,
)
from threadline.cluster.lsh import match_keys

_VOCAB = [
    f"{a}{b}"
    for a in ("tal", "mer", "quin", "dov", "sar", "lum", "bek", "orn", "fis", "gal", "hep", "jor")
    for b in ("ar", "eth", "ix", "oma", "und", "ela", "ost", "ivy", "ump", "aze")
]
_BOILERPLATE = ["incall and outcall.", "no blocked calls.", "serious gentlemen only."]
_NAMES = ["Alba", "Brisa", "Cora", "Dalia", "Elva", "Fina", "Gala", "Hebe"]


def _template(rng: random.Random, words: int = 45) -> list[str]:
    return [rng.choice(_VOCAB) for _ in range(words)]


def _mutate(rng: random.Random, words: list[str], rate: float = 0.05) -> list[str]:
    """About ``rate`` of the words substituted, deleted or inserted."""
    out: list[str] = []
    for word in words:
        roll = rng.random()
        if roll < rate / 3:
            out.append(rng.choice(_VOCAB))
        elif roll < 2 * rate / 3:
            continue
        elif roll < rate:
            out.extend([word, rng.choice(_VOCAB)])
        else:
            out.append(word)
    return out


def _post(rng: random.Random, words: list[str], *, index: int) -> str:
    name = rng.choice(_NAMES)
    phone = f"({rng.randint(200, 989)}) 555-01{index % 100:02d}"
    body = " ".join(words)
    return f"Hi I am {name}, {rng.randint(19, 29)} years. {body} Call {phone} ✨ {index}"


def _corpus(seed: int = 5) -> tuple[list[str], list[str | None]]:
    """Three templates with edits and slot changes, plus independent ads sharing boilerplate."""
    rng = random.Random(seed)
    texts: list[str] = []
    truth: list[str | None] = []
    for number in range(3):
        base = _template(rng)
        for index in range(8):
            texts.append(_post(rng, _mutate(rng, base), index=index))
            truth.append(f"t{number}")
    for index in range(25):
        words = _template(rng, 25) + rng.sample(_BOILERPLATE, 2)
        texts.append(_post(rng, words, index=index))
        truth.append(None)
    return texts, truth


def _labels(texts: list[str], found: list[TemplateCluster]) -> list[int]:
    labels = [-1] * len(texts)
    for number, item in enumerate(found):
        for member in item.members:
            labels[member] = number
    return labels


def test_edited_posts_cluster_and_boilerplate_does_not_glue() -> None:
    texts, truth = _corpus()
    found = cluster(texts)
    scores = evaluate_clusters(_labels(texts, found), truth)
    assert scores.precision == 1.0
    assert scores.recall >= 0.9
    # The independent ads (boilerplate only in common) are in no cluster.
    assert all(member < 24 for item in found for member in item.members)


def test_typos_emoji_and_swapped_phrases_still_cluster() -> None:
    base = (
        "Sweet and playful companion visiting downtown for a few nights only. "
        "Upscale private apartment with free parking near the station. "
        "Treat yourself to a relaxing evening with genuine warm company. "
        "Friendly conversation, good music and a glass of wine waiting for you."
    )
    sentences = base.split(". ")
    variants = [
        base + " Call 212-555-0101",
        base.replace("playful", "plaiful").replace("private", "privte") + " Call 313-555-0102",
        "💋✨ " + base.replace("evening", "evening 🌹") + " Call 414-555-0103 💋",
        ". ".join([sentences[1], sentences[0], *sentences[2:]]) + " Call 515-555-0104",
        base.upper() + " CALL 616-555-0105",
    ]
    unrelated = "Fresh bread and cakes baked every morning, open from six to noon in the market."
    found = cluster([*variants, unrelated])
    assert len(found) == 1
    assert found[0].members == (0, 1, 2, 3, 4)


def test_five_percent_word_edits_cluster_in_large_vocabulary() -> None:
    rng = random.Random(11)
    texts, truth = [], []
    for number in range(4):
        base = _template(rng, 80)
        for _ in range(6):
            texts.append(" ".join(_mutate(rng, base, 0.05)))
            truth.append(f"t{number}")
    scores = evaluate_clusters(_labels(texts, cluster(texts)), truth)
    assert scores.f1 >= 0.9 and scores.precision == 1.0


def test_non_latin_templates_cluster() -> None:
    ru = "Новая девушка в городе, приятная встреча, уютная квартира и хорошее настроение для вас"
    zh = "新来的女孩在城市里，安静舒适的公寓，欢迎来电预约，周末也可以见面"
    texts = [
        ru + " тел 555-0101",
        ru.replace("уютная", "уютнаяя") + " тел 555-0102",
        ru + " ✨ тел 555-0103",
        zh + " 电话 555-0101",
        zh.replace("安静", "安靜") + " 电话 555-0104",
        zh + "！",
    ]
    found = cluster(texts)
    assert sorted(item.members for item in found) == [(0, 1, 2), (3, 4, 5)]


def test_slots_found_where_the_template_varies() -> None:
    texts = [
        f"Hello gentlemen my name is {name} and I am new in town for a few days only, "
        f"discreet upscale apartment, call me at {phone} to book your time today"
        for name, phone in [
            ("Alba", "212-555-0101"),
            ("Brisa", "313 555 0102"),
            ("Cora", "414.555.0103"),
            ("Dalia", "515-555-0104"),
        ]
    ]
    (found,) = cluster(texts)
    assert SLOT in found.template
    assert "hello gentlemen my name is" in found.template
    assert "call me at" in found.template
    names = {slots[0] for slots in found.slots}
    assert names == {"Alba", "Brisa", "Cora", "Dalia"}
    assert len(found.slots) == 4
    assert 0.0 <= found.cohesion <= 1.0
    assert found.medoid in found.members


def test_exact_copies_cluster_with_full_cohesion() -> None:
    text = "Private meetings downtown, upscale and discreet, call for details tonight"
    (found,) = cluster([text, "something else entirely different here", text, text])
    assert found.members == (0, 2, 3)
    assert found.cohesion == pytest.approx(1.0)
    assert SLOT not in found.template


def test_empty_and_one_word_posts_never_cluster() -> None:
    assert cluster([]) == []
    assert cluster(["", "", "hi", "hi", "💋", "💋"]) == []


def test_bad_input_is_rejected() -> None:
    with pytest.raises(TypeError):
        cluster("not a list")
    with pytest.raises(TypeError):
        cluster(["fine", 3])  # type: ignore[list-item]
    with pytest.raises(ValidationError):
        ClusterSettings(edge_threshold=1.5)
    with pytest.raises(ValidationError):
        ClusterSettings(bands=0)
    with pytest.raises(ValidationError):
        ClusterSettings(unknown=1)  # type: ignore[call-arg]


def test_deterministic_for_a_seed() -> None:
    texts, _ = _corpus(seed=9)
    assert cluster(texts) == cluster(texts)
    assert cluster(texts, ClusterSettings(seed=4)) == cluster(texts, ClusterSettings(seed=4))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=12))
def test_any_texts_give_valid_clusters(texts: list[str]) -> None:
    seen: set[int] = set()
    for item in cluster(texts + texts[:3]):
        assert len(item.members) >= 2
        assert list(item.members) == sorted(set(item.members))
        assert not seen & set(item.members)
        seen |= set(item.members)
        assert len(item.slots) == len(item.members)
        assert all(len(row) == item.template.count(SLOT) for row in item.slots)
        assert 0.0 <= item.cohesion <= 1.0


def test_evaluate_counts_pairs_via_contingency() -> None:
    scores = evaluate_clusters([0, 0, 0, 1, 1, -1], ["a", "a", "b", "b", "b", None])
    assert scores.predicted_pairs == 4
    assert scores.true_pairs == 4
    assert scores.shared_pairs == 2
    assert scores.precision == pytest.approx(0.5)
    assert scores.recall == pytest.approx(0.5)
    assert scores.f1 == pytest.approx(0.5)
    perfect = evaluate_clusters([3, 3, 7, None], ["x", "x", "y", "z"])
    assert perfect.f1 == 1.0 and perfect.ari == pytest.approx(1.0)
    with pytest.raises(ValueError):
        evaluate_clusters([0], [0, 1])


def test_evaluate_singletons_and_chance() -> None:
    nothing = evaluate_clusters([None, None, None], ["a", "a", "b"])
    assert nothing.precision == 1.0 and nothing.recall == 0.0 and nothing.f1 == 0.0
    everything = evaluate_clusters([0, 0, 0, 0], ["a", "a", "b", "b"])
    assert everything.precision == pytest.approx(2 / 6)
    assert everything.ari <= 0.0


def test_new_posts_band_into_existing_clusters() -> None:
    """The incremental path: keys of a clustered batch, new posts matched by shared buckets."""
    texts, _ = _corpus(seed=3)
    options = ClusterSettings()
    signed = sign(texts, options)
    doc_labels = group_documents(signed, options)
    clustered = np.flatnonzero(doc_labels >= 0)
    known_keys = signed.keys[clustered].ravel()
    known_labels = np.repeat(doc_labels[clustered], signed.keys.shape[1])
    # A fresh repost of the first template's first post with a new phone and an emoji.
    repost = texts[0].replace("Call", "Call ✨ now") + " 555-0199"
    fresh = sign(
        [repost, "an unrelated sentence about gardening tools and seeds in spring"], options
    )
    matched = match_keys(fresh.keys, known_keys, known_labels)
    first_doc = int(signed.document_of[0])
    assert matched[0] == doc_labels[first_doc]
    assert matched[1] == -1


def test_chunked_shingling_gives_the_same_clusters(monkeypatch: pytest.MonkeyPatch) -> None:
    texts, _ = _corpus(seed=2)
    whole = cluster(texts)
    monkeypatch.setattr("threadline.cluster.batch._SHINGLE_CHUNK", 3)
    assert cluster(texts) == whole


def test_workers_give_the_same_clusters() -> None:
    texts, _ = _corpus(seed=4)
    assert cluster(texts, workers=2) == cluster(texts)
    with pytest.raises(ValueError, match="workers"):
        cluster(texts, workers=0)
