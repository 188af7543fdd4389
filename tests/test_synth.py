"""Tests of the synthetic corpus generator: determinism, mix, identifiers and truth consistency.

Checksums are verified here with code written independently of threadline.synth.wallets (the
base58/bech32 libraries' decoders and a Keccak from pycryptodome), so a bug in the generator's
encoders cannot hide behind the same bug in its own verifier.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import base58
import bech32
import phonenumbers
import pytest
from Crypto.Hash import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from threadline.extract.normalize import fold
from threadline.synth import (
    CATEGORIES,
    DEFAULT_MIX,
    CorpusGenerator,
    PostTruth,
    SynthConfig,
    generate,
    iter_truth_posts,
    load_truth,
    write_corpus,
)
from threadline.synth.generator import PHONE_OBFUSCATION, _category_counts
from threadline.synth.obfuscate import (
    OBFUSCATED_PHONE_STYLES,
    PLAIN_PHONE_STYLES,
    nanp_phone,
    render_phone,
)
from threadline.synth.templates import INDEPENDENT_BOILERPLATE
from threadline.synth.wallets import (
    CHAINS,
    Wallet,
    make_lookalike,
    make_wallet,
    monero_b58decode,
    monero_b58encode,
)

N = 12_000
SEED = 20250106

Post = tuple[dict[str, str], PostTruth]


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Post], CorpusGenerator]:
    generator = CorpusGenerator(N, SEED)
    return list(generator), generator


# --- independent verifiers ----------------------------------------------------------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED_P = 2**255 - 19
_ED_D = (-121665 * pow(121666, -1, _ED_P)) % _ED_P


def _keccak(data: bytes) -> bytes:
    return bytes(keccak.new(digest_bits=256, data=data).digest())


def _segwit(address: str, hrp: str) -> tuple[int, bytes] | None:
    """Decode a BIP-173/BIP-350 address by hand: version and program, or None."""
    if address.lower() != address or not address.startswith(hrp + "1"):
        return None
    data = [bech32.CHARSET.find(ch) for ch in address[len(hrp) + 1 :]]
    if -1 in data or len(data) < 7:
        return None
    const = bech32.bech32_polymod(bech32.bech32_hrp_expand(hrp) + data)
    version = data[0]
    if const != (1 if version == 0 else 0x2BC830A3):
        return None
    program = bech32.convertbits(data[1:-6], 5, 8, False)
    if program is None:
        return None
    return version, bytes(program)


def _xmr_ok(address: str) -> bool:
    """Monero standard mainnet address: block base58, network byte 18, Keccak checksum, points."""
    if len(address) != 95:
        return False
    raw = b""
    for start in range(0, 95, 11):
        block = address[start : start + 11]
        size = {11: 8, 7: 5}[len(block)]
        value = 0
        for ch in block:
            if ch not in _B58:
                return False
            value = value * 58 + _B58.index(ch)
        if value >= 1 << (8 * size):
            return False
        raw += value.to_bytes(size, "big")
    if raw[0] != 18 or _keccak(raw[:65])[:4] != raw[65:]:
        return False
    for key in (raw[1:33], raw[33:65]):
        y = int.from_bytes(key, "little") & ((1 << 255) - 1)
        if y >= _ED_P:
            return False
        u, v = (y * y - 1) % _ED_P, (_ED_D * y * y + 1) % _ED_P
        x2 = u * pow(v, _ED_P - 2, _ED_P) % _ED_P
        if x2 != 0 and pow(x2, (_ED_P - 1) // 2, _ED_P) != 1:  # Euler: x^2 must be a square
            return False
    return True


def _eip55_ok(address: str) -> bool:
    digits = address[2:]
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", address):
        return False
    if digits in (digits.lower(), digits.upper()):
        return True
    hashed = _keccak(digits.lower().encode()).hex()
    return all(
        ch.isupper() == (int(h, 16) >= 8)
        for ch, h in zip(digits, hashed, strict=False)
        if ch.isalpha()
    )


def verify_wallet(chain: str, address: str) -> bool:
    """True when ``address`` is a checksum-valid mainnet address of ``chain``."""
    if chain == "eth":
        return _eip55_ok(address)
    if chain == "xmr":
        return _xmr_ok(address)
    hrp = {"btc": "bc", "ltc": "ltc"}.get(chain)
    if hrp and address.lower().startswith(hrp + "1"):
        return _segwit(address, hrp) is not None
    try:
        payload = base58.b58decode_check(address)
    except ValueError:
        return False
    versions = {"btc": (0x00, 0x05), "ltc": (0x30, 0x32), "trx": (0x41,)}[chain]
    return len(payload) == 21 and payload[0] in versions


_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_ES = ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve")
_WORD_DIGITS = {w: str(i % 10) for i, w in enumerate(_EN + _ES)}
_TOKEN = re.compile("|".join(sorted(_WORD_DIGITS, key=len, reverse=True)) + r"|[0-9]|[oO]|[lI]")


def decode_phone_digits(written: str) -> str:
    """Digits of an obfuscated phone as a reader would decode them (written independently)."""
    folded = fold(written).text
    out = []
    for token in _TOKEN.findall(folded):
        if token in _WORD_DIGITS:
            out.append(_WORD_DIGITS[token])
        elif token in "oO":
            out.append("0")
        elif token in "lI":
            out.append("1")
        else:
            out.append(token)
    return "".join(out)


_AGE_WORDS = {
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "twenty one": 21,
    "twenty two": 22,
    "twenty three": 23,
    "twenty four": 24,
    "twenty five": 25,
}


def _truth_items(corpus: list[Post]) -> Iterator[tuple[dict[str, str], PostTruth, Any, str]]:
    for record, truth in corpus:
        for ident in truth.identifiers:
            yield record, truth, ident, record[ident.field][ident.start : ident.end]


# --- determinism, files, API --------------------------------------------------------------------


def test_same_seed_writes_identical_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    paths = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        out, truth = tmp_path / f"{name}.jsonl", tmp_path / f"{name}.json"
        write_corpus(1500, seed, out, truth)
        paths[name] = (out.read_bytes(), truth.read_bytes())
    assert paths["a"] == paths["b"]
    assert paths["a"][0] != paths["c"][0]
    assert paths["a"][1] != paths["c"][1]


def test_generate_is_deterministic_and_streams() -> None:
    first = [r for r, _ in generate(800, 42)]
    second = [r for r, _ in generate(800, 42)]
    assert first == second
    twice = CorpusGenerator(300, 42)
    once = [r for r, _ in twice]
    assert once == [r for r, _ in twice] == [r for r, _ in generate(300, 42)]
    assert twice.counts == dict(Counter(t.category for _, t in generate(300, 42)))
    record, truth = next(generate(1_000_000, 1))  # lazy: the first post comes without the rest
    assert record["id"] == truth.id == "post-0000001"


def test_files_are_valid_json_and_match_the_stream(tmp_path: Path) -> None:
    out, truth_path = tmp_path / "posts.jsonl", tmp_path / "truth.json"
    calls: list[int] = []
    summary = write_corpus(2500, 9, out, truth_path, progress=calls.append)
    lines = out.read_text(encoding="utf-8").splitlines()
    posts = [json.loads(line) for line in lines]
    assert len(posts) == summary.posts == 2500
    assert calls == [2500]  # under PROGRESS_EVERY: one call with the whole increment
    assert [list(p) for p in posts[:1]] == [
        ["id", "title", "text", "posted_at", "site", "url", "location", "author"]
    ]
    assert len({p["id"] for p in posts}) == 2500
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", p["posted_at"]) for p in posts)
    whole = json.loads(truth_path.read_text(encoding="utf-8"))  # the standard library agrees
    assert whole["schema"] == "threadline.synth.truth/1" and whole["n"] == 2500
    assert whole["summary"]["by_category"] == summary.by_category
    assert load_truth(truth_path)["posts"] == whole["posts"]
    streamed = list(iter_truth_posts(truth_path))
    assert [t["id"] for t in streamed] == [p["id"] for p in posts]
    for post, truth in zip(posts, streamed, strict=True):
        for ident in truth["identifiers"]:
            assert set(ident) == set(whole["identifier_fields"])
            assert 0 <= ident["start"] < ident["end"] <= len(post[ident["field"]])
    stream = list(generate(2500, 9))
    assert [r for r, _ in stream] == posts
    assert summary.networks == len(whole["networks"]) > 0


def test_progress_reports_increments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from threadline.synth import corpus as corpus_module

    monkeypatch.setattr(corpus_module, "PROGRESS_EVERY", 400)
    calls: list[int] = []
    write_corpus(1000, 3, tmp_path / "p.jsonl", tmp_path / "t.json", progress=calls.append)
    assert calls == [400, 400, 200]
    calls.clear()
    write_corpus(800, 3, tmp_path / "p.jsonl", tmp_path / "t.json", progress=calls.append)
    assert calls == [400, 400]
    assert json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))["n"] == 800


def test_truth_reader_rejects_other_files(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"posts": []}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="not a threadline synth truth"):
        list(iter_truth_posts(bogus))
    out, truth = tmp_path / "p.jsonl", tmp_path / "t.json"
    write_corpus(50, 1, out, truth)
    truncated = tmp_path / "cut.json"
    truncated.write_bytes(b"".join(truth.read_bytes().splitlines(keepends=True)[:10]))
    with pytest.raises(ValueError, match="truncated"):
        list(iter_truth_posts(truncated))


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError):
        CorpusGenerator(-1, 1)
    with pytest.raises(ValueError, match="categories"):
        SynthConfig(mix={"network": 1.0})
    with pytest.raises(ValueError, match="non-negative"):
        SynthConfig(mix={**DEFAULT_MIX, "scam": -0.1})
    with pytest.raises(ValueError, match="days"):
        SynthConfig(days=1)
    with pytest.raises(ValueError, match="variant"):
        make_wallet(random.Random(1), "btc", "p2pk")
    with pytest.raises(ValueError, match="style"):
        render_phone(random.Random(1), nanp_phone(212, 23), "smoke_signals")
    assert list(generate(0, 1)) == []


# --- the mix ------------------------------------------------------------------------------------


def test_category_counts_follow_the_mix(corpus: tuple[list[Post], CorpusGenerator]) -> None:
    posts, generator = corpus
    counts = Counter(t.category for _, t in posts)
    assert counts == Counter(_category_counts(N, DEFAULT_MIX))
    for category in CATEGORIES:
        assert abs(counts[category] / N - DEFAULT_MIX[category]) < 0.001
    assert generator.counts == dict(counts)
    custom = Counter(
        t.category
        for _, t in generate(
            1000,
            3,
            SynthConfig(mix={**dict.fromkeys(CATEGORIES, 0.0), "scam": 1.0, "network": 1.0}),
        )
    )
    assert custom == Counter({"scam": 500, "network": 500})


def test_phone_obfuscation_rates_near_documented(
    corpus: tuple[list[Post], CorpusGenerator],
) -> None:
    per_category: dict[str, list[bool]] = defaultdict(list)
    for _, truth, ident, _value in _truth_items(corpus[0]):
        if ident.kind == "phone" and ident.style != "wa_me":
            per_category[truth.category].append(ident.obfuscated)
    network = per_category["network"]
    assert len(network) > 2000
    assert abs(sum(network) / len(network) - PHONE_OBFUSCATION["network"]) < 0.05
    assert not any(per_category["job_genuine"])
    # Independents draw a spelling per ad version, so their rate is looser.
    independent = per_category["independent"]
    assert 0.08 < sum(independent) / len(independent) < 0.35


def test_every_identifier_kind_and_phone_style_occurs(
    corpus: tuple[list[Post], CorpusGenerator],
) -> None:
    kinds = Counter(ident.kind for _, _, ident, _ in _truth_items(corpus[0]))
    assert set(kinds) == {
        "phone",
        "email",
        "handle",
        "url",
        "crypto",
        "payment",
        "age",
        "price",
        "place",
        "name",
    }
    styles = {ident.style for _, _, ident, _ in _truth_items(corpus[0]) if ident.kind == "phone"}
    assert set(OBFUSCATED_PHONE_STYLES) <= styles
    assert set(PLAIN_PHONE_STYLES) <= styles
    languages = Counter(t.language for _, t in corpus[0])
    assert languages["es"] > 100


# --- identifiers and their truth ----------------------------------------------------------------


def test_spans_index_the_text_and_do_not_overlap(
    corpus: tuple[list[Post], CorpusGenerator],
) -> None:
    for record, truth in corpus[0]:
        spans: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
        for ident in truth.identifiers:
            assert 0 <= ident.start < ident.end <= len(record[ident.field])
            spans[ident.field].append((ident.start, -ident.end, ident.kind, ident.canonical))
        for found in spans.values():
            found.sort()
            for (_, e1, kind1, outer), (s2, e2, kind2, inner) in itertools.pairwise(found):
                # The only nesting: the number of a WhatsApp handle or a Zelle payment is also a
                # phone, and the address of a Zelle payment is also an email.
                assert -e1 <= s2 or (
                    (kind1, kind2)
                    in {("handle", "phone"), ("payment", "phone"), ("payment", "email")}
                    and outer.split(":", 1)[1] == inner
                    and outer.split(":", 1)[0] in {"whatsapp", "zelle"}
                    and -e2 <= -e1
                ), record["id"]


def test_every_truth_phone_is_valid_e164(corpus: tuple[list[Post], CorpusGenerator]) -> None:
    phones = {
        ident.canonical for _, _, ident, _ in _truth_items(corpus[0]) if ident.kind == "phone"
    }
    phones |= {p for net in corpus[1].networks for p in net.phones}
    assert len(phones) > 300
    for phone in phones:
        parsed = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(parsed), phone
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == phone
        if phone.startswith("+1"):
            assert phone[5:9] == "5550" and phone[9] == "1", phone  # 555-01XX: fictional


def test_phone_text_decodes_to_the_canonical(corpus: tuple[list[Post], CorpusGenerator]) -> None:
    checked: Counter[str] = Counter()
    for _, _, ident, value in _truth_items(corpus[0]):
        if ident.kind != "phone":
            continue
        digits = decode_phone_digits(value)
        national = ident.canonical[2:] if ident.canonical.startswith("+1") else None
        assert digits in (ident.canonical[1:], national), (value, ident.canonical)
        checked[ident.style] += 1
    assert checked["words"] and checked["mixed"] and checked["keycap"] and checked["letters"]


def test_other_identifiers_are_consistent_with_their_text(
    corpus: tuple[list[Post], CorpusGenerator],
) -> None:
    for _record, truth, ident, value in _truth_items(corpus[0]):
        canonical = ident.canonical
        if ident.kind == "email":
            spelled = re.sub(r"\s*[\[(]?\bat\b[\])]?\s*", "@", value)
            spelled = re.sub(r"\s*[\[(]?\bdot\b[\])]?\s*", ".", spelled)
            assert spelled.lower() == canonical, value
            assert ident.obfuscated == ("@" not in value)
        elif ident.kind == "age":
            number = (
                int(value.split()[0].removesuffix("yo"))
                if value[0].isdigit()
                else (int(value.split()[-1]) if value.startswith("age") else _AGE_WORDS[value])
            )
            assert str(number) == canonical
        elif ident.kind == "price":
            amount, currency_unit = canonical.split()
            currency, _, unit = currency_unit.partition("/")
            assert re.search(r"\d[\d,]*", value).group().replace(",", "") == amount  # type: ignore[union-attr]
            assert currency in ("USD", "CAD", "MXN")
            assert unit in ("", "hr", "hh", "qv", "month")
            if unit:
                unit_words = {
                    "hr": ("hr", "hour", "hora"),
                    "hh": ("hh",),
                    "qv": ("qv",),
                    "month": ("month", "mes"),
                }[unit]
                assert any(word in value for word in unit_words), value
            else:
                assert not re.search(r"hr|hh|qv|hour|hora|month|mes", value), value
        elif ident.kind == "place":
            city, _region, country = canonical.split(", ")
            assert city.startswith(value.split(",")[0]) and truth.city.endswith(country)
        elif ident.kind == "url":
            bare = re.sub(r"^https?://", "", value).lower().removeprefix("www.")
            assert bare == canonical
        elif ident.kind == "handle":
            platform, user = canonical.split(":", 1)
            if platform == "whatsapp":
                assert decode_phone_digits(value.split("/")[-1]) in (user[1:], user[2:])
            else:
                assert user in value.lower()
            assert platform in ("snapchat", "instagram", "telegram", "kik", "whatsapp", "onlyfans")
        elif ident.kind == "payment":
            service, account = canonical.split(":", 1)
            if service == "zelle" and account.startswith("+"):
                assert decode_phone_digits(value).endswith(account[2:])
            else:
                assert account in value.lower()
            assert service in value.lower().replace(" ", "")
        elif ident.kind == "crypto":
            chain, address = canonical.split(":", 1)
            assert address == (value.lower() if chain == "eth" else value)
            assert verify_wallet(chain, value), value


#: Each platform's published user-name rules, written here independently of the extractor's.
_PLATFORM_USER = {
    "telegram": re.compile(r"[a-z][a-z0-9_]{4,31}"),  # no dots: a dot ends the name
    "snapchat": re.compile(r"[a-z][a-z0-9._-]{2,14}"),
    "kik": re.compile(r"[a-z][a-z0-9._]{1,19}"),
    "instagram": re.compile(r"[a-z0-9._]{1,30}"),
    "onlyfans": re.compile(r"[a-z0-9._-]{1,30}"),
}


def test_handles_are_names_their_platform_accepts(
    corpus: tuple[list[Post], CorpusGenerator],
) -> None:
    """A name the platform would refuse (``t.me/doll.wi614``) is no handle a real ad carries:
    a reader takes it for something else, and the truth would be wrong."""
    seen: Counter[str] = Counter()
    for _record, _truth, ident, _value in _truth_items(corpus[0]):
        if ident.kind == "handle" and not ident.canonical.startswith("whatsapp:"):
            platform, user = ident.canonical.split(":", 1)
            assert _PLATFORM_USER[platform].fullmatch(user), ident.canonical
            seen[platform] += 1
    assert set(seen) == set(_PLATFORM_USER), seen


def test_decoys_are_checksum_invalid(corpus: tuple[list[Post], CorpusGenerator]) -> None:
    decoys = [(record[d.field][d.start : d.end], d) for record, t in corpus[0] for d in t.decoys]
    assert decoys, "the corpus should hold a few look-alike wallets"
    for value, decoy in decoys:
        assert decoy.reason == "bad_checksum"
        assert not verify_wallet(decoy.looks_like, value), value


@pytest.mark.parametrize(("chain", "variant"), [(c, v) for c, vs in CHAINS.items() for v in vs])
def test_wallets_verify_and_lookalikes_do_not(chain: str, variant: str) -> None:
    rng = random.Random(f"{chain}-{variant}")
    for _ in range(40):
        wallet = make_wallet(rng, chain, variant)  # type: ignore[arg-type]
        assert wallet.valid and verify_wallet(chain, wallet.address), wallet
        expected = wallet.address.lower() if chain == "eth" else wallet.address
        assert wallet.canonical == f"{chain}:{expected}"
        lookalike = make_lookalike(rng, wallet)
        assert not lookalike.valid and lookalike.canonical == ""
        assert not verify_wallet(chain, lookalike.address), lookalike
        assert len(lookalike.address) == len(wallet.address) or chain == "eth"
    prefixes = {
        ("btc", "p2pkh"): "1",
        ("btc", "p2sh"): "3",
        ("btc", "p2wpkh"): "bc1q",
        ("btc", "p2tr"): "bc1p",
        ("ltc", "p2pkh"): "L",
        ("ltc", "p2sh"): "M",
        ("ltc", "p2wpkh"): "ltc1q",
        ("trx", "base58"): "T",
        ("xmr", "standard"): "4",
        ("eth", "eip55"): "0x",
        ("eth", "lower"): "0x",
    }
    assert wallet.address.startswith(prefixes[(chain, variant)])


def test_eip55_matches_the_specification_vector() -> None:
    from threadline.synth.wallets import eip55

    # Test vector from EIP-55.
    assert eip55("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed") == (
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    )


# --- structure: templates, networks, independents, jobs -----------------------------------------


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b)


def test_templated_posts_share_their_template_id(
    corpus: tuple[list[Post], CorpusGenerator],
) -> None:
    by_template: dict[str, list[str]] = defaultdict(list)
    for record, truth in corpus[0]:
        assert truth.template.startswith(truth.actor + "-t")
        by_template[truth.template].append(record["text"])
    rng = random.Random(0)
    within, across = [], []
    templates = [t for t, texts in by_template.items() if len(texts) >= 5]
    for template in templates:
        texts = by_template[template]
        a, b = rng.sample(texts, 2)
        within.append(_jaccard(_words(a), _words(b)))
        other = by_template[rng.choice(templates)]
        across.append(_jaccard(_words(a), _words(rng.choice(other))))
    assert sum(within) / len(within) > 0.6
    assert sum(across) / len(across) < 0.45


def test_scam_blasts_repeat_one_text(corpus: tuple[list[Post], CorpusGenerator]) -> None:
    by_campaign: dict[str, list[tuple[dict[str, str], PostTruth]]] = defaultdict(list)
    for record, truth in corpus[0]:
        if truth.category == "scam":
            by_campaign[truth.actor].append((record, truth))
    assert by_campaign
    for posts in by_campaign.values():
        urls = {i.canonical for _, t in posts for i in t.identifiers if i.kind == "url"}
        assert len(urls) == 1
        cities = {t.city for _, t in posts}
        assert len(cities) > 1 or len(posts) < 5
        # Masking the per-post slots (names, ages, cities) leaves one text.
        masked = set()
        for record, truth in posts:
            text = record["text"]
            for ident in sorted(truth.identifiers, key=lambda i: -i.start):
                if ident.field == "text" and ident.kind in ("age", "place", "crypto"):
                    text = text[: ident.start] + "#" + text[ident.end :]
            masked.add(re.sub(r"(I'm|name is|^|\s)[A-Z][a-z]+(,| here)", r"\1N\2", text))
        assert len(masked) == 1


def test_networks_share_phones_and_move(corpus: tuple[list[Post], CorpusGenerator]) -> None:
    posts, generator = corpus
    networks = generator.networks
    assert len(networks) >= 5
    cities_seen: dict[str, set[str]] = defaultdict(set)
    phones_seen: dict[str, set[str]] = defaultdict(set)
    counts: Counter[str] = Counter()
    for _, truth in posts:
        if truth.category == "network":
            assert truth.network == truth.actor and truth.persona
            counts[truth.actor] += 1
            cities_seen[truth.actor].add(truth.city)
            phones_seen[truth.actor].update(
                i.canonical for i in truth.identifiers if i.kind == "phone"
            )
        else:
            assert truth.network is None
    for net in networks:
        assert net.post_count == counts[net.id]
        assert len(net.personas) >= 3
        by_phone = Counter(p.phone for p in net.personas)
        assert max(by_phone.values()) >= 2, "several personas share a phone"
        assert set(by_phone) <= set(net.phones)
        assert phones_seen[net.id] <= set(net.phones)
        circuit = [stay.city for stay in net.circuit]
        assert len(set(circuit)) >= 2
        assert cities_seen[net.id] <= set(circuit)
        if net.post_count >= 10:
            assert len(cities_seen[net.id]) >= 2, net.id
        arrivals = [stay.arrive for stay in net.circuit]
        assert arrivals == sorted(arrivals)


def test_network_language_and_claimed_ages(corpus: tuple[list[Post], CorpusGenerator]) -> None:
    signals: Counter[str] = Counter()
    ages: Counter[int] = Counter()
    for _, truth in corpus[0]:
        if truth.category == "network":
            signals.update(truth.signals)
            ages.update(int(i.canonical) for i in truth.identifiers if i.kind == "age")
    for code in (
        "third_person",
        "new_girls",
        "young_age",
        "movement",
        "deposit_demand",
        "barely_legal",
        "under18_claim",
    ):
        assert signals[code] > 0, code
    assert min(ages) < 18 and sum(c for a, c in ages.items() if a < 18) < 0.15 * sum(ages.values())
    assert sum(c for a, c in ages.items() if a in (18, 19)) > 0.2 * sum(ages.values())


def test_independents_repost_and_share_only_boilerplate(
    corpus: tuple[list[Post], CorpusGenerator],
) -> None:
    posts = [(r, t) for r, t in corpus[0] if t.category == "independent"]
    variants = Counter(t.variant for _, t in posts)
    assert variants["exact_repost"] > variants["near_repost"] > variants["rewrite"] > 0
    previous: dict[str, str] = {}
    exact_same = 0
    for record, truth in posts:
        if truth.variant == "exact_repost":
            exact_same += previous.get(truth.actor) == record["text"]
        previous[truth.actor] = record["text"]
    assert exact_same == variants["exact_repost"]
    for boiler in INDEPENDENT_BOILERPLATE[:3]:
        sentence = boiler.parts[0]
        actors = {t.actor for r, t in posts if sentence in r["text"]}
        assert len(actors) >= 10, sentence
    phones: dict[str, set[str]] = defaultdict(set)
    for _, truth in posts:
        for ident in truth.identifiers:
            if ident.kind == "phone":
                phones[ident.canonical].add(truth.actor)
    assert all(len(actors) == 1 for actors in phones.values()), "independents own their phone"


def test_job_posts(corpus: tuple[list[Post], CorpusGenerator]) -> None:
    lure_signals: Counter[str] = Counter()
    genuine_signals: Counter[str] = Counter()
    lure_contacts: Counter[str] = Counter()
    for _record, truth in corpus[0]:
        if truth.category == "job_lure":
            lure_signals.update(truth.signals)
            lure_contacts.update(i.kind for i in truth.identifiers)
            assert "messenger_only" in truth.signals
            assert "unrealistic_pay" in truth.signals
        elif truth.category == "job_genuine":
            genuine_signals.update(truth.signals)
            assert not {"recruitment_fee", "passport_held", "unrealistic_pay"} & set(truth.signals)
            pay = [i for i in truth.identifiers if i.kind == "price"]
            assert len(pay) == 1
            amount, currency_unit = pay[0].canonical.split()
            currency, unit = currency_unit.split("/")
            assert unit == ("month" if currency == "MXN" else "hr")
            assert int(amount) <= (16_000 if currency == "MXN" else 40)
    for code in ("recruitment_fee", "passport_held", "travel_paid", "visa_paid"):
        assert lure_signals[code] > 0
    assert genuine_signals["no_fees_stated"] > 0
    assert lure_contacts["handle"] > 0 and lure_contacts["phone"] > 0


def test_truth_identifier_fields_are_recorded_in_documented_order() -> None:
    from threadline.synth import TruthIdentifier

    assert TruthIdentifier._fields == (
        "kind",
        "canonical",
        "field",
        "start",
        "end",
        "obfuscated",
        "style",
    )


# --- property tests -----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**63), n=st.integers(min_value=0, max_value=60))
def test_any_seed_gives_consistent_posts(seed: int, n: int) -> None:
    posts = list(generate(n, seed))
    assert len(posts) == n
    for record, truth in posts:
        assert record["id"] == truth.id and truth.category in CATEGORIES
        for ident in truth.identifiers:
            value = record[ident.field][ident.start : ident.end]
            assert value
            assert value == value.strip() or ident.kind == "phone"
        for decoy in truth.decoys:
            assert record[decoy.field][decoy.start : decoy.end]


@given(st.binary(max_size=80))
def test_monero_base58_round_trips(data: bytes) -> None:
    encoded = monero_b58encode(data)
    assert monero_b58decode(encoded) == data
    assert len(encoded) == 11 * (len(data) // 8) + (0, 2, 3, 5, 6, 7, 9, 10, 11)[len(data) % 8]


@given(st.text(max_size=120))
def test_monero_decoder_never_raises(text: str) -> None:
    result = monero_b58decode(text)
    assert result is None or isinstance(result, bytes)


@given(
    area=st.sampled_from((212, 713, 416, 305)),
    line=st.integers(0, 99),
    style=st.sampled_from(PLAIN_PHONE_STYLES + OBFUSCATED_PHONE_STYLES),
    seed=st.integers(0, 1000),
)
def test_any_phone_spelling_decodes(area: int, line: int, style: str, seed: int) -> None:
    phone = nanp_phone(area, line)
    written = render_phone(random.Random(seed), phone, style)
    assert decode_phone_digits(written) in (phone.e164[1:], phone.e164[2:])
    assert phonenumbers.is_valid_number(phonenumbers.parse(phone.e164))


@given(st.sampled_from(sorted(CHAINS)), st.integers(0, 10_000))
def test_any_lookalike_fails(chain: str, seed: int) -> None:
    rng = random.Random(seed)
    wallet: Wallet = make_wallet(rng, chain)  # type: ignore[arg-type]
    assert verify_wallet(chain, wallet.address)
    assert not verify_wallet(chain, make_lookalike(rng, wallet).address)


def test_fictional_number_pool_validates() -> None:
    from threadline.synth.obfuscate import uk_phone
    from threadline.synth.vocab import NANP_AREA_CODES, UK_DRAMA_PREFIXES

    assert len(set(NANP_AREA_CODES)) == len(NANP_AREA_CODES) == 415
    for area in NANP_AREA_CODES:
        for line in (0, 37, 99):
            number = phonenumbers.parse(nanp_phone(area, line).e164)
            assert phonenumbers.is_valid_number(number), (area, line)
            assert phonenumbers.region_code_for_number(number) in ("US", "CA")
    for prefix in UK_DRAMA_PREFIXES:
        for line in (0, 500, 999):
            phone = uk_phone(prefix, line)
            assert phonenumbers.is_valid_number(phonenumbers.parse(phone.e164)), phone


def test_template_literals_hold_no_identifiers() -> None:
    """Identifiers come only from slots, so the truth is complete: literals must not add any."""
    from threadline.synth import templates
    from threadline.synth.vocab import ALL_CITIES

    phrases = [
        value
        for name in dir(templates)
        if name.isupper()
        for pool in (
            getattr(templates, name).values()
            if isinstance(getattr(templates, name), dict)
            else [getattr(templates, name)]
        )
        if isinstance(pool, tuple)
        for value in pool
        if isinstance(value, templates.Phrase)
    ]
    assert len(phrases) > 150
    city_names = [c.name for c in ALL_CITIES]
    for phrase in phrases:
        for literal in phrase.parts[::2]:
            assert set(re.findall(r"\d+", literal)) <= {"24", "7", "100"}, literal
            assert not re.search(r"[@$€]|\.(com|net|me)\b|https?:", literal), literal
            assert not any(re.search(rf"\b{name}\b", literal) for name in city_names), literal


def test_a_controllers_voice_adds_no_identifier_name_or_indicator() -> None:
    """Sign-off lines and sentence tails are plain words: extraction and screening truths hold."""
    from threadline import screen
    from threadline.extract import extract
    from threadline.extract.name import first_names
    from threadline.synth import templates

    # The capitalised words of a sign-off line are not first names a reader could take.
    capitalised = {*templates.VOICE_ADJECTIVES, *templates.VOICE_NOUNS}
    assert not capitalised & {name.lower() for name in first_names()}
    lines = [
        "".join(templates.signed_with(adjective, noun, tagline).parts)
        for adjective, noun, tagline in itertools.product(
            templates.VOICE_ADJECTIVES, templates.VOICE_NOUNS, templates.VOICE_TAGLINES
        )
    ]
    assert len(set(lines)) == 20 * 16 * 12
    tailed = [
        "".join(templates.with_tail(block, tail).parts)
        for pool in templates.NETWORK_SECTIONS.values()
        for block in pool
        for tail in templates.VOICE_TAILS
    ]
    for text in lines + tailed:
        assert not [i for i in extract(text) if i.kind not in {"price", "age"}], text
    for text in lines:
        assert not extract(text), text
        assert not screen(text).flags, text


def test_with_tail_keeps_slots_signals_and_punctuation() -> None:
    from threadline.synth.templates import phrase, with_tail

    block = phrase("Text my manager at {phone} now!!", "third_party_contact")
    tailed = with_tail(block, " trust me")
    assert tailed.parts == ("Text my manager at ", "phone", " now trust me!!")
    assert tailed.signals == block.signals
    ends_in_slot = phrase("Book now: {phone}")
    assert with_tail(ends_in_slot, " trust me") is ends_in_slot
    no_stop = phrase("Late night specials")
    assert with_tail(no_stop, " trust me") is no_stop


def test_each_network_template_signs_off_its_own_way(
    corpus: tuple[list[Post], CorpusGenerator],
) -> None:
    from threadline.synth.templates import VOICE_NOUNS

    nouns = "|".join(noun.capitalize() for noun in VOICE_NOUNS)
    sign_off = re.compile(rf"\b(\w+ (?:{nouns})): ")
    by_template: dict[str, set[str]] = defaultdict(set)
    for record, truth in corpus[0]:
        found = sign_off.findall(record["text"])
        if truth.category == "network":
            assert len(found) <= 1, record["text"]  # a typo may alter the line, not duplicate it
            by_template[truth.template].update(found)
        else:
            assert not found, (truth.category, record["text"])
    assert len(by_template) >= 10
    assert all(len(lines) <= 2 for lines in by_template.values())  # one line (or its typo)
    lines = [min(lines) for lines in by_template.values() if lines]
    assert len(lines) >= 0.9 * len(by_template)  # every template signs (a typo may hide one)
    assert len(set(lines)) >= 0.9 * len(lines)


def test_an_employers_or_recruiters_voice_adds_no_identifier_name_or_indicator() -> None:
    """About-us lines, duties, closings, agency sign-offs and recruiter tails are plain words."""
    from threadline import screen
    from threadline.extract import extract
    from threadline.extract.name import first_names
    from threadline.synth import templates as t

    capitalised = {*t.AGENCY_FIRST, *t.AGENCY_KINDS_EN, *t.AGENCY_KINDS_ES}
    assert not {word.lower() for word in capitalised} & {name.lower() for name in first_names()}
    lines: list[str] = []
    for spanish in (False, True):
        kinds = t.JOB_ABOUT_KINDS_ES if spanish else t.JOB_ABOUT_KINDS_EN
        missions = t.JOB_MISSIONS_ES if spanish else t.JOB_MISSIONS_EN
        duties = t.JOB_DUTIES_ES if spanish else t.JOB_DUTIES_EN
        closings = t.JOB_CLOSINGS_ES if spanish else t.JOB_CLOSINGS_EN
        agency_kinds = t.AGENCY_KINDS_ES if spanish else t.AGENCY_KINDS_EN
        lines += ["".join(t.employer_about(k, m, spanish).parts) for k in kinds for m in missions]
        lines += [
            "".join(t.employer_duties(chosen, spanish).parts)
            for chosen in itertools.permutations(duties, 3)
        ]
        lines += list(closings)
        lines += [
            "".join(t.agency_signature(first, second.capitalize(), kind).parts)
            for first in t.AGENCY_FIRST
            for second in t.AGENCY_SECOND
            for kind in agency_kinds
        ]
    assert len(set(lines)) == len(lines)
    for text in lines:
        assert not extract(text), text
        assert not screen(text).flags, text
    for spanish, tails in ((False, t.RECRUITER_TAILS_EN), (True, t.RECRUITER_TAILS_ES)):
        sections = t.LURE_SECTIONS_ES if spanish else t.LURE_SECTIONS_EN
        for pool in sections.values():
            for block in pool:
                plain_flags = set(screen("".join(block.parts)).flags)
                for tail in tails:
                    tailed = "".join(t.with_tail(block, tail).parts)
                    assert not [i for i in extract(tailed) if i.kind not in {"price", "age"}]
                    assert set(screen(tailed).flags) == plain_flags, tailed


def test_each_employer_and_recruiter_writes_in_its_own_voice(
    corpus: tuple[list[Post], CorpusGenerator],
) -> None:
    """Job posts of one employer share its about-us and duties lines; other employers' differ;
    every lure ends with its recruiter's agency name."""
    from threadline.synth.templates import AGENCY_FIRST

    about = re.compile(r"(?:About us|Quiénes somos): [^.]*\.\s+(?:You will|Tus tareas)[^.]*\.")
    agency = re.compile(rf"\b(?:{'|'.join(AGENCY_FIRST)})[A-Z][a-z]+ [A-Z]\w+")
    voices: dict[str, set[str]] = defaultdict(set)
    signatures: dict[str, set[str]] = defaultdict(set)
    for record, truth in corpus[0]:
        found = about.findall(record["text"])
        if truth.category == "job_genuine":
            assert len(found) == 1, record["text"]
            voices[truth.template].add(found[0])
        else:
            assert not found, (truth.category, record["text"])
        signed = agency.findall(record["text"])
        if truth.category == "job_lure":
            assert len(signed) == 1, record["text"]
            signatures[truth.template].add(signed[0])
    assert len(voices) >= 20 and len(signatures) >= 5
    assert all(len(lines) == 1 for lines in voices.values())
    assert all(len(lines) == 1 for lines in signatures.values())
    distinct = {min(lines) for lines in voices.values()}
    assert len(distinct) >= 0.95 * len(voices)
