"""Linking with the hub guard, network profiles and ranking factors, on hand-made evidence and
on real workspaces."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from typer.testing import CliRunner

from threadline.cli import app
from threadline.ingest import ingest
from threadline.link import (
    Evidence,
    LinkSettings,
    PostFacts,
    fit_weights,
    link_posts,
    profile,
    rank,
)
from threadline.link.evaluation import evaluate_networks
from threadline.link.rank import persona as persona_of
from threadline.link.rank import personas_of
from threadline.link.settings import FACTORS
from threadline.pipeline import analyze
from threadline.settings import ExtractSettings, Settings
from threadline.steps.link import find, link_step, load_network, load_networks
from threadline.synth import generate
from threadline.workspace import Workspace

SETTINGS = Settings(extract=ExtractSettings(workers=1))
runner = CliRunner()


def _evidence(
    post_count: int,
    items: dict[tuple[str, str], list[int]],
    cohesion: dict[str, float] | None = None,
) -> Evidence:
    keys, kinds, coh, item_of, item_post = [], [], [], [], []
    for number, ((kind, key), posts) in enumerate(items.items()):
        keys.append(key)
        kinds.append(kind)
        coh.append((cohesion or {}).get(key, float("nan")))
        item_of += [number] * len(posts)
        item_post += posts
    return Evidence(
        post_count,
        keys,
        kinds,
        np.array(coh, dtype=np.float64),
        np.array(item_of, dtype=np.int64),
        np.array(item_post, dtype=np.int64),
    )


def _groups(component: np.ndarray) -> set[frozenset[int]]:
    out: dict[int, set[int]] = {}
    for post, label in enumerate(component.tolist()):
        out.setdefault(label, set()).add(post)
    return {frozenset(group) for group in out.values() if len(group) > 1}


def test_a_support_number_shared_by_many_advertisers_is_set_aside() -> None:
    # 40 advertisers, 3 posts each with her own phone; the site's number in one post of each,
    # and the site's URL in the same posts (two hubs that always appear together).
    items: dict[tuple[str, str], list[int]] = {}
    for advertiser in range(40):
        items[("phone", f"+1212555{advertiser:04d}")] = [3 * advertiser + k for k in range(3)]
    items[("phone", "+18005550000")] = [3 * advertiser for advertiser in range(40)]
    items[("url", "site.example/help")] = [3 * advertiser for advertiser in range(40)]
    result = link_posts(_evidence(120, items))
    aside = {item.key: item for item in result.set_aside}
    assert set(aside) == {"+18005550000", "site.example/help"}
    assert aside["+18005550000"].groups == 40 and "hub" in aside["+18005550000"].reason
    assert len(_groups(result.component)) == 40


def test_a_controllers_phone_across_personas_is_not_a_hub() -> None:
    # One phone in 60 posts of 6 personas, each persona with its own handle.
    items: dict[tuple[str, str], list[int]] = {("phone", "+12125550100"): list(range(60))}
    for persona in range(6):
        items[("handle", f"kik:p{persona}")] = list(range(10 * persona, 10 * persona + 10))
    result = link_posts(_evidence(60, items))
    assert result.set_aside == []
    assert _groups(result.component) == {frozenset(range(60))}


def test_the_guard_threshold_is_a_setting() -> None:
    items = {("phone", f"+1212555{i:04d}"): [2 * i, 2 * i + 1] for i in range(10)}
    items[("email", "shared@x.example")] = [2 * i for i in range(10)]
    loose = link_posts(_evidence(20, items), LinkSettings(max_bridged_groups=25))
    strict = link_posts(_evidence(20, items), LinkSettings(max_bridged_groups=5))
    assert loose.set_aside == [] and len(_groups(loose.component)) == 1
    assert [item.key for item in strict.set_aside] == ["shared@x.example"]
    assert len(_groups(strict.component)) == 10


def test_templates_attach_posts_without_contacts_but_never_weld_contact_groups() -> None:
    items = {
        ("phone", "+12125550001"): [0, 1],
        ("phone", "+12125550002"): [2, 3],
        ("template", "tc-a"): [0, 4, 5],  # attaches 4 and 5 (no contacts) to the first group
        ("template", "tc-b"): [1, 2, 6],  # would weld the two phone groups, not tight: aside
        ("template", "tc-c"): [7, 8],  # too loose
        ("phone", "+12125550009"): [9, 10],
        ("phone", "+12125550011"): [11, 12],
        ("template", "tc-d"): [10, 11],  # tight: one author's two phones, joined
    }
    cohesion = {"tc-a": 0.8, "tc-b": 0.6, "tc-c": 0.2, "tc-d": 0.9}
    result = link_posts(_evidence(13, items, cohesion))
    assert _groups(result.component) == {
        frozenset({0, 1, 4, 5}),
        frozenset({2, 3}),
        frozenset({9, 10, 11, 12}),
    }
    reasons = {item.key: item.reason for item in result.set_aside}
    assert set(reasons) == {"tc-b", "tc-c"}
    assert "own contacts" in reasons["tc-b"] and "cohesion" in reasons["tc-c"]
    # Even a tight template may not join more contact groups than the setting allows.
    strict = link_posts(_evidence(13, items, cohesion), LinkSettings(max_template_contact_groups=1))
    assert frozenset({9, 10, 11, 12}) not in _groups(strict.component)


def test_components_do_not_depend_on_input_order() -> None:
    rng = random.Random(5)
    items = {("phone", f"p{i}"): rng.sample(range(200), rng.randint(2, 6)) for i in range(80)}
    first = link_posts(_evidence(200, items)).component
    shuffled = dict(rng.sample(list(items.items()), len(items)))
    second = link_posts(_evidence(200, {k: v[::-1] for k, v in shuffled.items()})).component
    assert np.array_equal(first, second)
    # Labels are the smallest post of each component.
    assert all(first[label] == label for label in set(first.tolist()))


def test_bad_evidence_is_refused() -> None:
    with pytest.raises(ValueError, match="out of range"):
        _evidence(2, {("phone", "x"): [0, 5]})
    with pytest.raises(ValueError, match="one entry per item"):
        Evidence(1, ["a"], [], np.zeros(1), np.zeros(0, np.int64), np.zeros(0, np.int64))


def _post(i: int, **kw: Any) -> PostFacts:
    base: dict[str, Any] = {
        "post_id": f"p{i:03d}",
        "posted_at": datetime(2025, 3, 1) + timedelta(hours=8 * i),
        "place": "Houston, TX, US",
        "site": "nightlist",
        "author": "u1",
        "contacts": (("phone", "+12125550100"),),
    }
    base.update(kw)
    return PostFacts(**base)


def test_factors_carry_evidence_and_a_multi_persona_network_outranks_a_reposter() -> None:
    cities = ["Houston, TX, US"] * 4 + ["Dallas, TX, US"] * 4 + ["Austin, TX, US"] * 4
    network = [
        _post(
            i,
            author=f"u{i % 4}",
            place=cities[i],
            ages=(17,) if i == 3 else (19,),
            age_spans=((10, 14),),
            template="tc-1",
            flags=(("third_party_control", "TP.MANAGER_CONTACT", 20, 35, "text"),),
        )
        for i in range(12)
    ]
    ranked = rank(profile("nw-a", network))
    factors = {factor.name: factor for factor in ranked.factors}
    assert list(factors) == list(FACTORS)
    assert ranked.pattern == "multi_persona_network"
    assert factors["multi_persona"].value == 1.0
    assert factors["young_ages"].value == 1.0
    assert factors["young_ages"].evidence_posts == ("p003",)
    assert factors["young_ages"].evidence_spans == (("p003", "text", 10, 14),)
    assert factors["controller_language"].evidence_spans[0] == ("p000", "text", 20, 35)
    assert factors["movement"].value == pytest.approx(2 / 3)
    assert factors["shared_template"].value == 1.0
    assert all(factor.source for factor in ranked.factors)
    reposter = rank(profile("nw-b", [_post(i, ages=(25,), template="tc-2") for i in range(12)]))
    assert reposter.pattern == "independent_reposter"
    assert reposter.score < ranked.score / 5


def test_weak_factors_alone_stay_low_and_a_scam_blast_ranks_below() -> None:
    moving = [
        _post(i, author="u1", place=["Houston, TX, US", "Dallas, TX, US", "Austin, TX, US",
                                     "Tulsa, OK, US"][i // 10], ages=(30,))
        for i in range(40)
    ]  # fmt: skip
    weak = rank(profile("nw-w", moving))
    assert {f.name for f in weak.factors if f.value > 0} <= {"movement", "volume"}
    assert weak.model_score < 0.1
    blast = rank(
        profile(
            "nw-s",
            [
                _post(i, author=f"x{i}", ages=(19,), place=f"City{i}",
                      flags=(("advance_fee", "PM.DEPOSIT", 0, 7, "text"),))
                for i in range(10)
            ],
        )
    )  # fmt: skip
    assert blast.pattern == "scam_blast"
    assert blast.score < 0.35


def test_a_persona_is_the_author_else_name_and_age() -> None:
    assert persona_of(_post(0, author="u7", names=("jasmine",), ages=(21,))) == "author:u7"
    assert persona_of(_post(0, author=None, names=("jasmine", "rosa"), ages=(21, 30))) == (
        "Jasmine, 21"
    )
    assert persona_of(_post(0, author=None, names=("mary-jane",))) == "Mary-Jane"
    assert persona_of(_post(0, author=None, ages=(21,))) == "age 21"
    assert persona_of(_post(0, author=None)) is None


def test_without_author_ids_two_women_of_one_age_are_two_personas() -> None:
    # One phone, no author ids: Jasmine and Rosa both claim 21. By age alone they were one
    # persona (no multi_persona); by name and age they are two, and the lead says so.
    posts = [
        _post(i, author=None, names=(("jasmine",) if i % 2 else ("rosa",)), ages=(21,))
        for i in range(8)
    ]
    net = profile("nw-n", posts)
    assert net.personas == ("Jasmine, 21", "Rosa, 21")
    assert net.one_off_personas == 0
    ranked = rank(net)
    multi = next(factor for factor in ranked.factors if factor.name == "multi_persona")
    assert multi.value == pytest.approx(1 / 3)
    assert len(multi.evidence_posts) == 8
    assert ranked.pattern == "multi_persona_network"
    by_age = profile("nw-a", [_post(i, author=None, ages=(21,)) for i in range(8)])
    assert by_age.personas == ("age 21",)
    assert rank(by_age).pattern != "multi_persona_network"


def test_a_name_alone_is_a_persona_and_one_offs_are_counted() -> None:
    posts = [_post(i, author=None, names=("luna",)) for i in range(3)]
    posts.append(_post(3, author=None, names=("nova",), ages=(19,)))
    net = profile("nw-o", posts)
    assert net.personas == ("Luna",)
    assert net.one_off_personas == 1


def test_a_name_without_an_age_takes_the_one_age_the_network_gives_it() -> None:
    posts = [
        _post(0, author=None, names=("rosa",)),
        _post(1, author=None, names=("rosa",), ages=(22,)),
        _post(2, author=None, names=("luna",)),
        _post(3, author=None, names=("luna",), ages=(22,)),
        _post(4, author=None, names=("luna",), ages=(23,)),
    ]
    assert personas_of(posts) == ["Rosa, 22", "Rosa, 22", "Luna", "Luna, 22", "Luna, 23"]
    net = profile("nw-r", posts)
    assert net.personas == ("Rosa, 22",)
    assert net.one_off_personas == 3


def test_an_age_without_a_name_takes_the_one_name_the_network_gives_it() -> None:
    posts = [
        _post(0, author=None, ages=(28,)),
        _post(1, author=None, names=("sugar",), ages=(28,)),
        _post(2, author=None, ages=(30,)),
        _post(3, author=None, names=("ivy",), ages=(30,)),
        _post(4, author=None, names=("jade",), ages=(30,)),
        _post(5, author="u9", ages=(28,)),
    ]
    assert personas_of(posts) == [
        "Sugar, 28",
        "Sugar, 28",
        "age 30",  # two women claim 30: which one is unknown
        "Ivy, 30",
        "Jade, 30",
        "author:u9",  # an author id is the persona, whatever the text says
    ]
    # One independent: her ads whose name the finder missed are still hers.
    assert profile("nw-s", posts[:2]).personas == ("Sugar, 28",)


def test_weights_refit_from_labels() -> None:
    rng = np.random.default_rng(3)
    values = rng.random((400, len(FACTORS)))
    truth = (values[:, 0] * 4 + values[:, 2] * 3 - 3 + rng.normal(0, 0.3, 400)) > 0
    weights = fit_weights(values, truth.astype(int).tolist())
    assert weights.multi_persona > 2 and weights.young_ages > 1.5
    assert abs(weights.volume) < 1
    with pytest.raises(ValueError, match="both"):
        fit_weights(values[:3], [1, 1, 1])
    with pytest.raises(ValueError, match="one label per row"):
        fit_weights(values[:, :3], truth.astype(int).tolist())


def test_evaluation_counts_pairs() -> None:
    truth = {"a": "n1", "b": "n1", "c": "n1", "d": None, "e": "n2", "f": "n2"}
    predicted = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "z", "f": "z"}
    scores = evaluate_networks(predicted, ["x", "y", "z"], truth, top_k=2)
    # true pairs: ab ac bc ef = 4; predicted touching a network post: ab, cd, ef = 3; hits ab ef.
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(2 / 4)
    assert scores.top_k_precision == 0.5  # x is mostly n1; y is half n1, half none
    with pytest.raises(ValueError, match="not in the truth"):
        evaluate_networks({"zz": "x"}, [], truth)


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("linked")
    records = [record for record, _ in generate(3000, 3)]
    # One more controller writing one phone in four different ways, for four personas.
    spellings = ["(415) 555-0188", "four one five 555 o1 88", "4l5.555.Ol88", "+1 415 555 0188"]
    for number, spelling in enumerate(spellings):
        records.append(
            {
                "id": f"hand-{number}",
                "text": f"New girl Lily{number} in town, 19yo. Text {spelling} for fun",
                "author": f"hand-author-{number}",
                "location": "Reno, NV",
                "posted_at": f"2025-02-0{number + 1}T10:00:00Z",
            }
        )
    source = root / "posts.jsonl"
    source.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    path = root / "w.duckdb"
    with Workspace.open(path) as ws:
        ingest(ws, [source])
        analyze(ws, SETTINGS)
    from threadline.synth import write_corpus

    truth = root / "truth.json"
    write_corpus(3000, 3, root / "same.jsonl", truth)
    return path, truth


def test_obfuscated_spellings_of_one_phone_land_in_one_network(linked: tuple[Path, Path]) -> None:
    path, _ = linked
    with Workspace.open(path, read_only=True) as ws:
        networks = {
            row[0]
            for row in ws.engine.fetchall(
                "SELECT network_id FROM network_posts WHERE post_id LIKE 'hand-%'"
            )
        }
        assert len(networks) == 1
        answer = find(ws, "4 1 5 - 5 5 5 - 0 1 8 8")
    assert answer["read_as"] == [{"kind": "phone", "canonical": "+14155550188"}]
    (match,) = answer["matches"]
    assert sorted(match["post_ids"]) == [f"hand-{n}" for n in range(4)]
    assert match["networks"] == sorted(networks)


def test_networks_contract_and_profile(linked: tuple[Path, Path]) -> None:
    path, truth = linked
    with Workspace.open(path, read_only=True) as ws:
        rows = load_networks(ws, limit=5)
        full = load_network(ws, rows[0]["id"])
        assert load_network(ws, "nw-nothing") is None
    assert [row["score"] for row in rows] == sorted((row["score"] for row in rows), reverse=True)
    for key in ("id", "score", "factors", "post_ids", "identifiers", "templates", "cities",
                "first_seen", "last_seen", "pattern"):  # fmt: skip
        assert key in rows[0]
    assert {factor["name"] for factor in rows[0]["factors"]} == set(FACTORS)
    assert all({"name", "weight", "evidence"} <= set(f) for f in rows[0]["factors"])
    assert full is not None and len(full["post_list"]) == full["posts"]
    # The hand-written controller is one more true network.
    from threadline.synth import iter_truth_posts

    truth_network = {post["id"]: post["network"] for post in iter_truth_posts(truth)}
    truth_network.update({f"hand-{n}": "hand" for n in range(4)})
    with Workspace.open(path, read_only=True) as ws:
        predicted = dict(ws.engine.fetchall("SELECT post_id, network_id FROM network_posts"))
        ranking = [
            r[0]
            for r in ws.engine.fetchall(
                "SELECT network_id FROM networks ORDER BY score DESC, network_id"
            )
        ]
    networks = len({n for n in truth_network.values() if n})
    scores = evaluate_networks(predicted, ranking, truth_network, top_k=networks)
    assert scores.precision >= 0.95 and scores.recall >= 0.8
    # The best-ranked networks, as many as there are true ones, are mostly true networks.
    assert scores.top_k_precision >= 0.8
    # The command refuses a truth that does not describe the workspace.
    result = runner.invoke(app, ["evaluate", "networks", "-w", str(path), "--truth", str(truth)])
    assert result.exit_code == 2 and "not in the truth" in result.output


def test_link_is_deterministic(linked: tuple[Path, Path], tmp_path: Path) -> None:
    path, _ = linked
    copy = tmp_path / "again.duckdb"
    copy.write_bytes(path.read_bytes())
    query = "SELECT network_id, score, pattern, factors FROM networks ORDER BY network_id"
    with Workspace.open(path, read_only=True) as ws:
        before = ws.engine.fetchall(query)
    with Workspace.open(copy) as ws:
        link_step(ws)
        after = ws.engine.fetchall(query)
    assert before == after


def test_cli_networks_network_and_find(linked: tuple[Path, Path]) -> None:
    path, _ = linked
    listing = runner.invoke(app, ["networks", "-w", str(path), "--json", "--top", "3"])
    assert listing.exit_code == 0, listing.output
    rows = [orjson.loads(line) for line in listing.stdout.splitlines()]
    assert len(rows) == 3
    table = runner.invoke(app, ["networks", "-w", str(path), "--top", "3"])
    assert table.exit_code == 0 and rows[0]["id"] in table.stdout
    one = runner.invoke(app, ["network", rows[0]["id"], "-w", str(path)])
    assert one.exit_code == 0 and "factors" in one.stdout
    missing = runner.invoke(app, ["network", "nw-none", "-w", str(path)])
    assert missing.exit_code == 2
    nothing = runner.invoke(app, ["find", "+19995550000", "-w", str(path)])
    assert nothing.exit_code == 1
    empty = runner.invoke(app, ["find", "  ", "-w", str(path)])
    assert empty.exit_code == 2


def test_evaluate_networks_command(tmp_path: Path) -> None:
    from threadline.synth import write_corpus

    write_corpus(800, 11, tmp_path / "posts.jsonl", tmp_path / "truth.json")
    path = tmp_path / "w.duckdb"
    with Workspace.open(path) as ws:
        ingest(ws, [tmp_path / "posts.jsonl"])
        analyze(ws, SETTINGS)
    result = runner.invoke(
        app, ["evaluate", "networks", "-w", str(path), "--truth", str(tmp_path / "truth.json"),
              "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    scores = orjson.loads(result.stdout)
    assert 0.9 <= scores["precision"] <= 1 and 0.5 <= scores["recall"] <= 1
    human = runner.invoke(
        app, ["evaluate", "networks", "-w", str(path), "--truth", str(tmp_path / "truth.json")]
    )
    assert human.exit_code == 0 and "pairwise precision" in human.stdout


def test_report_is_one_self_contained_file(linked: tuple[Path, Path], tmp_path: Path) -> None:
    path, _ = linked
    out = tmp_path / "leads.html"
    result = runner.invoke(app, ["report", "-w", str(path), "--out", str(out), "--top", "3"])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert html.count('<section class="lead"') == 3
    assert "<script" not in html and "http://" not in html and "https://" not in html
    with Workspace.open(path, read_only=True) as ws:
        best = load_networks(ws, limit=1)[0]
    assert best["id"] in html and "never verdicts" in html
    assert not list(tmp_path.glob("*.partial"))
    bad = runner.invoke(app, ["report", "-w", str(tmp_path / "none.duckdb"), "--out", str(out)])
    assert bad.exit_code == 2


def test_find_sees_posts_extracted_after_the_last_link(
    linked: tuple[Path, Path], tmp_path: Path
) -> None:
    path, _ = linked
    copy = tmp_path / "later.duckdb"
    copy.write_bytes(path.read_bytes())
    source = tmp_path / "more.jsonl"
    source.write_bytes(orjson.dumps({"id": "late-1", "text": "new number 702 555 0199"}) + b"\n")
    with Workspace.open(copy) as ws:
        assert find(ws, "+17025550199")["matches"] == []
        ingest(ws, [source])
        analyze(ws, SETTINGS, stages=("extract",))
        (match,) = find(ws, "seven oh two 555 0199")["matches"]
        assert match["post_ids"] == ["late-1"] and match["networks"] == []
        link_step(ws)
        (match,) = find(ws, "702-555-0199")["matches"]
        assert match["post_ids"] == ["late-1"]


def test_cli_export_and_verify_pack(linked: tuple[Path, Path], tmp_path: Path) -> None:
    path, _ = linked
    with Workspace.open(path, read_only=True) as ws:
        network = load_networks(ws, limit=1)[0]["id"]
    out = tmp_path / "pack.zip"
    made = runner.invoke(app, ["export", network, "-w", str(path), "--out", str(out), "--mask"])
    assert made.exit_code == 0, made.output
    checked = runner.invoke(app, ["verify-pack", str(out)])
    assert checked.exit_code == 0 and "verified" in checked.stdout and "masked" in checked.stdout
    broken = tmp_path / "broken.zip"
    broken.write_bytes(out.read_bytes()[:-40])
    assert runner.invoke(app, ["verify-pack", str(broken)]).exit_code == 1
    missing = runner.invoke(app, ["export", "nw-none", "-w", str(path), "--out", str(out)])
    assert missing.exit_code == 2


def test_a_shared_name_never_links_posts_but_names_tell_personas_apart(tmp_path: Path) -> None:
    # No author ids. Two posts share only the name Jasmine (different phones, different
    # words): a name is no contact, so they are no network. Four posts share one phone, for
    # two women who both claim 22: one network, two recurring personas.
    records = [
        {"id": "solo-1", "text": "Hi, I'm Jasmine, 21. Incall only. Text 212-555-0101"},
        {"id": "solo-2", "text": "Jasmine here!! Outcall to your hotel. Call 415 555 0199"},
        {"id": "net-1", "text": "Meet Rosa, 22, new in town. Text 646-555-0123 now"},
        {"id": "net-2", "text": "Rosa 22yo back this week, upscale. 646.555.0123"},
        {"id": "net-3", "text": "Ask for Luna (22), fresh and shy. Call (646) 555-0123"},
        {"id": "net-4", "text": "Say hi to Luna, 22 years old. Book: 6465550123"},
    ]
    for number, record in enumerate(records):
        record["posted_at"] = f"2025-03-0{number + 1}T10:00:00Z"
        record["location"] = "Houston, TX"
    source = tmp_path / "posts.jsonl"
    source.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    path = tmp_path / "w.duckdb"
    with Workspace.open(path) as ws:
        ingest(ws, [source])
        analyze(ws, SETTINGS)
        names = ws.engine.fetchall(
            "SELECT post_id, canonical FROM identifiers WHERE kind = 'name' ORDER BY post_id"
        )
        members = ws.engine.fetchall(
            "SELECT network_id, list(post_id ORDER BY post_id) FROM network_posts GROUP BY 1"
        )
        rows = load_networks(ws)
        found = find(ws, "jasmine")
    assert ("solo-1", "jasmine") in names and ("solo-2", "jasmine") in names
    assert [sorted(posts) for _, posts in members] == [["net-1", "net-2", "net-3", "net-4"]]
    [network] = rows
    assert network["personas"] == 2 and network["one_off_personas"] == 0
    assert network["pattern"] == "multi_persona_network"
    assert {f["name"]: f["value"] for f in network["factors"]}["multi_persona"] > 0
    # A name is not something `find` links on: a query of a bare name matches no contact.
    assert found["matches"] == []
