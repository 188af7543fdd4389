"""The optional learned model: sklearn-compatible features, safe JSON files, blending, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from threadline.cli_screen import screen_app
from threadline.indicators import ScreenSettings
from threadline.indicators.learned import (
    LearnedModel,
    ModelError,
    _fit,
    char_wb_ngrams,
    model_text,
    read_labels,
    train,
)
from threadline.screening import Screener

LURES = [
    "Work in Canada, visa and flight paid, registration fee required, passport held by agency",
    "Easy money abroad, no experience needed, send deposit for your documents via WhatsApp only",
    "Trabajo en Europa, pasaje pagado, cuota de inscripción, el pasaporte queda con la agencia",
    "Urgent hiring hostesses, young attractive girls, travel immediately, fee before travel",
]
GENUINE = [
    "Warehouse associate, 18.50 per hour, benefits, apply online at our careers page",
    "Se solicita cajero, sueldo 9,000 mensuales, prestaciones de ley, envía tu solicitud",
    "Line cook wanted, two years of experience, full time, we never charge fees",
    "Recepcionista bilingüe, turno matutino, contrato indefinido, entrevista en oficina",
]


def _rows(copies: int = 4) -> tuple[list[str], list[int], list[str]]:
    texts, labels, groups = [], [], []
    for copy in range(copies):
        for n, text in enumerate(LURES):
            texts.append(f"{text} {copy}")
            labels.append(1)
            groups.append(f"lure-{n}")
        for n, text in enumerate(GENUINE):
            texts.append(f"{text} {copy}")
            labels.append(0)
            groups.append(f"job-{n}")
    return texts, labels, groups


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abc xyz", max_size=40))
def test_ngrams_match_scikit_learn_char_wb(text: str) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=False)
    assert char_wb_ngrams(text) == analyzer.build_analyzer()(text)


def test_probability_matches_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    texts, labels, _ = _rows()
    prepared = [model_text(text) for text in texts]
    ours = _fit(prepared, labels, seed=0)
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), lowercase=False, sublinear_tf=True, min_df=2,
        max_features=50_000,
    )  # fmt: skip
    matrix = vectorizer.fit_transform(prepared)
    classifier = LogisticRegression(C=4.0, max_iter=2_000, class_weight="balanced", random_state=0)
    classifier.fit(matrix, labels)
    probe = ["passport held, fee required", "apply online, benefits", "zzz", ""]
    expected = classifier.predict_proba(vectorizer.transform([model_text(t) for t in probe]))[:, 1]
    assert np.allclose([ours.probability(text) for text in probe], expected, atol=1e-9)


def test_train_reports_cross_validated_figures_and_round_trips(tmp_path: Path) -> None:
    texts, labels, groups = _rows()
    model = train(texts, labels, groups=groups, folds=4)
    assert model.metrics["rows"] == 32 and model.metrics["grouped"] is True
    for key in ("precision", "recall", "f1", "pr_auc"):
        assert 0.0 <= model.metrics[key] <= 1.0
    path = tmp_path / "model.json"
    model.save(path)
    loaded = LearnedModel.load(path)
    assert loaded.probability(LURES[0]) == pytest.approx(model.probability(LURES[0]), abs=1e-5)
    assert loaded.probability(LURES[0]) > loaded.probability(GENUINE[0])


def test_train_refuses_bad_sets() -> None:
    with pytest.raises(ModelError, match="at least 5 examples"):
        train(["a", "b", "c"], [1, 0, 1])
    with pytest.raises(ModelError, match="0 or 1"):
        train(["a"] * 10, [2] * 10)
    with pytest.raises(ModelError, match="differ in length"):
        train(["a", "b"], [1])


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"format": "pickle"}, "not a Threadline screening model"),
        ([1, 2, 3], "not a Threadline screening model"),
        ({"format": "threadline.screen.model/1", "analyzer": "word"}, "unsupported analyzer"),
        (
            {"format": "threadline.screen.model/1", "analyzer": "char_wb", "ngram_range": [3, 5],
             "vocabulary": ["abc"], "idf": [1.0, 2.0], "coef": [0.5], "intercept": 0.0},
            "equal-length",
        ),
        (
            {"format": "threadline.screen.model/1", "analyzer": "char_wb", "ngram_range": [3, 5],
             "vocabulary": ["abc", "abc"], "idf": [1.0, 1.0], "coef": [0.5, 0.1], "intercept": 0},
            "duplicates",
        ),
        (
            {"format": "threadline.screen.model/1", "analyzer": "char_wb", "ngram_range": [3, 5],
             "vocabulary": ["abc"], "idf": [1.0], "coef": ["__import__('os')"], "intercept": 0},
            "equal-length",
        ),
    ],
)  # fmt: skip
def test_model_files_are_validated(payload: object, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        LearnedModel.from_json(payload)


def test_non_finite_weights_and_non_json_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(
        '{"format": "threadline.screen.model/1", "analyzer": "char_wb", "ngram_range": [3, 5],'
        ' "vocabulary": ["abc"], "idf": [NaN], "coef": [0.5], "intercept": 0}',
        encoding="utf-8",
    )
    with pytest.raises(ModelError, match="finite"):
        LearnedModel.load(path)
    path.write_bytes(b"\x80\x04\x95pickle")
    with pytest.raises(ModelError, match="not JSON"):
        LearnedModel.load(path)
    with pytest.raises(ModelError, match="not found"):
        LearnedModel.load(tmp_path / "missing.json")


def _constant_model(logit: float) -> LearnedModel:
    return LearnedModel({"zzzzz": 0}, np.ones(1), np.zeros(1), logit)


def test_the_model_alone_cannot_flag_and_rules_keep_explaining() -> None:
    certain = Screener(model=_constant_model(50.0))
    plain_post = certain.screen("Warehouse staff wanted")
    assert plain_post.model_probability == pytest.approx(1.0)
    assert plain_post.score == pytest.approx(ScreenSettings().model_weight)
    assert not plain_post.flagged and plain_post.flags == ()
    lure = certain.screen("Passport will be held for safekeeping.", profile="job")
    rules_only = Screener().screen("Passport will be held for safekeeping.", profile="job")
    assert lure.score > rules_only.score and lure.flags == rules_only.flags
    assert "model" in lure.to_dict() and "model" not in rules_only.to_dict()
    with pytest.raises(ValueError, match="model_weight"):
        ScreenSettings(model_weight=0.6)


def test_read_labels(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text('text,label,group\n"a, b",1,g1\nc,no,g2\n', encoding="utf-8")
    assert read_labels(path) == (["a, b", "c"], [1, 0], ["g1", "g2"])
    path.write_text("text,label\nx,maybe\n", encoding="utf-8")
    with pytest.raises(ModelError, match="label must be 0/1"):
        read_labels(path)
    path.write_text("body,y\nx,1\n", encoding="utf-8")
    with pytest.raises(ModelError, match="header"):
        read_labels(path)
    with pytest.raises(ModelError, match="not found"):
        read_labels(tmp_path / "none.csv")


def test_cli_train_then_screen_with_the_model(tmp_path: Path) -> None:
    texts, labels, groups = _rows()
    csv_path = tmp_path / "labels.csv"
    lines = ["text,label,group"] + [
        f"{json.dumps(text)},{label},{group}"
        for text, label, group in zip(texts, labels, groups, strict=True)
    ]
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    model_path = tmp_path / "model.json"
    runner = CliRunner()
    trained = runner.invoke(
        screen_app,
        ["train", "--labels", str(csv_path), "--out", str(model_path), "--folds", "4"],
    )
    assert trained.exit_code == 0, trained.output
    assert orjson.loads(trained.stdout)["grouped"] is True
    screened = runner.invoke(
        screen_app, ["screen", LURES[1], "--json", "--model", str(model_path), "--profile", "job"]
    )
    body = orjson.loads(screened.stdout)
    assert 0.0 <= body["model"]["probability"] <= 1.0 and body["flags"]
    bad = runner.invoke(screen_app, ["screen", "x", "--model", str(csv_path)])
    assert bad.exit_code == 2 and "not JSON" in bad.stderr
