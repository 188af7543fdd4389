"""Normalisation, tokens, shingles and MinHash/LSH of the cluster stage."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.cluster import lsh, minhash
from threadline.cluster.tokens import shingle, token_spans, tokenize


def test_slot_like_tokens_become_classes() -> None:
    tokens = tokenize("Call 212-555-0147 or mail jane.x@example.com, $200/hr, cashapp $JaneX @jx")
    assert "_phone_" in tokens
    assert "_email_" in tokens
    assert tokens.count("_num_") == 1
    assert "_tag_" in tokens
    assert "_handle_" in tokens
    assert "212" not in tokens and "jane" not in tokens


def test_case_fullwidth_and_emoji_fold_away() -> None:
    assert tokenize("ＨＥＬＬＯ ✨💋 Gentlemen") == tokenize("hello gentlemen")


def test_non_latin_scripts_tokenise() -> None:
    assert tokenize("Привет, красивые мужчины") == ["привет", "красивые", "мужчины"]
    assert tokenize("新しい女の子") == ["新", "し", "い", "女", "の", "子"]
    assert tokenize("مرحبا بكم") == ["مرحبا", "بكم"]


def test_empty_and_symbol_only_texts_have_no_tokens() -> None:
    assert tokenize("") == []
    assert tokenize("✨✨ !!! ---") == []


def test_token_spans_point_into_original_even_when_length_changes() -> None:
    text = "ﬁne Straße 💋 call 555-0100"
    tokens, spans = token_spans(text)
    assert tokens == tokenize(text)
    assert [text[s:e] for s, e in spans] == ["ﬁne", "Straße", "call", "555-0100"]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_text_tokenises_with_spans_inside(text: str) -> None:
    tokens, spans = token_spans(text)
    assert tokens == tokenize(text)
    for start, end in spans:
        assert 0 <= start < end <= len(text)


def test_shingles_are_per_document_sets() -> None:
    shingles = shingle([["a", "b", "a", "b"], [], ["solo"], ["a", "b"]])
    assert shingles.doc_count == 4
    assert list(shingles.sizes()) == [2, 0, 1, 1]  # ab, ba | - | solo | ab
    assert shingles.of(0)[np.isin(shingles.of(0), shingles.of(3))].size == 1


def test_signatures_are_deterministic_and_seeded() -> None:
    shingles = shingle([tokenize("one two three four five"), tokenize("six seven eight nine")])
    first = minhash.signatures(shingles, 16, seed=7)
    assert np.array_equal(first, minhash.signatures(shingles, 16, seed=7))
    assert not np.array_equal(first, minhash.signatures(shingles, 16, seed=8))
    with pytest.raises(ValueError):
        minhash.signatures(shingles, 0, seed=1)


def test_minhash_estimates_jaccard() -> None:
    words = [f"w{i}" for i in range(200)]
    a = shingle([words, words[:150] + [f"x{i}" for i in range(50)]])
    sigs = minhash.signatures(a, 256, seed=3)
    estimate = float(np.mean(sigs[0] == sigs[1]))
    exact = 149 / 249  # 149 shared bigrams of 199 + 199 - 149
    assert abs(estimate - exact) < 0.1


def test_empty_document_gets_no_bucket_key() -> None:
    shingles = shingle([[], ["a", "b", "c"]])
    keys = lsh.band_keys(minhash.signatures(shingles, 8, seed=1), 4, 2)
    assert (keys[0] == 0).all() and (keys[1] != 0).all()
    with pytest.raises(ValueError):
        lsh.band_keys(minhash.signatures(shingles, 8, seed=1), 8, 2)


def test_candidate_pairs_path_per_bucket_and_cap() -> None:
    keys = np.array([[5], [5], [5], [9]], dtype=np.uint64)
    pairs = lsh.candidate_pairs(keys, max_bucket=10, seed=1)
    assert len(pairs) == 2  # a path through the three members, not all three pairs
    assert set(pairs.ravel()) == {0, 1, 2}
    assert len(lsh.candidate_pairs(keys, max_bucket=2, seed=1)) == 0


def test_match_keys_votes_for_existing_cluster() -> None:
    known = np.array([11, 12, 13, 21], dtype=np.uint64)
    labels = np.array([1, 1, 1, 2], dtype=np.int64)
    new = np.array([[11, 12, 21], [99, 98, 97], [0, 0, 0]], dtype=np.uint64)
    assert list(lsh.match_keys(new, known, labels)) == [1, -1, -1]
    with pytest.raises(ValueError):
        lsh.match_keys(new, known, labels[:2])


def test_boilerplate_shingles_create_no_candidates() -> None:
    boiler = tokenize("incall and outcall no blocked calls")
    docs = [boiler] * 5 + [[*boiler, "unique", "words", "here"]]
    full = shingle(docs)
    df = minhash.document_frequency(full)
    informative = minhash.drop_common(full, df, cap=4)
    keys = lsh.band_keys(minhash.signatures(informative, 8, seed=1), 4, 2)
    assert (keys[:5] == 0).all()  # nothing left to band on: no bucket, no candidate
    assert (keys[5] != 0).all()
    assert len(lsh.candidate_pairs(keys, max_bucket=100, seed=1)) == 0
