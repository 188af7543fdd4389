"""Normalisation, tokens and shingles: the text view that every later stage compares.

Why this view: templated ads differ in their slots (names, ages, phones, prices, links), in case,
in emoji and in full-width or other look-alike characters. So text is NFKC-normalised and
casefolded; emoji and symbols are dropped (they are not word characters); slot-like tokens become
class tokens (``_num_``, ``_phone_``, ``_email_``, ``_url_``, ``_tag_``, ``_handle_``) so that two
posts differing only in the phone or the price read the same. Words are Unicode ``\\w`` runs (any
script); scripts written without spaces (Han, kana, Hangul, Thai...) are split into single
characters, the usual segmentation-free fallback, so they still give shingles.

Shingles are word bigrams (unigrams for one-token texts) over 32-bit stable token hashes packed
into one uint64, so a bigram never collides unless its two tokens do. Bigrams, not trigrams:
one typo or one substituted word removes two bigrams instead of three, and five percent of words
edited still leaves about 90 % of a post's bigrams intact, which keeps LSH recall high.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "CLASS_TOKENS",
    "Shingles",
    "encode",
    "normalise",
    "shingle",
    "shingle_codes",
    "spans",
    "token_spans",
    "tokenize",
]

#: Scripts written without spaces between words: each character is its own token.
_UNSPACED: Final = (
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uac00-\ud7af"  # Hangul syllables
)

#: One token: a link, an e-mail, a $tag or @handle, a number or phone-like digit run, a
#: single character of an unspaced script, or a word. Matched on normalised (casefolded) text.
_TOKEN: Final = re.compile(
    # Fast path first: a word of letters that no later alternative could extend (not followed
    # by a word character or by what starts an e-mail, domain or link). Possessive quantifiers
    # stop backtracking through words that cannot be e-mails or domains. Same tokens, ~30% faster.
    rf"[^\W\d_{_UNSPACED}]++(?![\w.@+:-])"
    r"|(?:https?://|www\.)[^\s<>\"']+"
    r"|[\w.+-]++@[\w-]+(?:\.[\w-]+)+"
    r"|[\w-]++(?:\.[\w-]+)*\.(?:com|net|org|info|biz|site|online|xyz|club|me|io|co|ly|onion"
    r"|link|live|app|top|vip)\b(?:/[^\s<>\"']*)?"
    r"|[@$][^\W\d_][\w.]*"
    r"|\+?\d[\d(). -]*\d|\d"
    rf"|[{_UNSPACED}]"
    rf"|[^\W{_UNSPACED}]+"
)
_DIGIT_RUN: Final = re.compile(r"\d+")
_DIGIT: Final = re.compile(r"\d")

#: The class tokens that stand for a slot-like value (their text is not compared).
CLASS_TOKENS: Final = frozenset({"_num_", "_phone_", "_email_", "_url_", "_tag_", "_handle_"})

#: A digit run with at least this many digits reads as a phone number rather than a number.
_PHONE_DIGITS: Final = 7


def normalise(text: str) -> str:
    """NFKC and casefold: one spelling for full-width, ligature and case variants."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKC", text).casefold()


def _classify(token: str) -> str:
    """The class token for a slot-like ``token``, or the token (digits folded) otherwise."""
    first = token[0]
    if first == "$":
        return "_tag_"
    if first == "@":
        return "_handle_"
    if "@" in token:
        return "_email_"
    if "/" in token or ("." in token and not first.isdigit() and first != "+"):
        return "_url_"
    if first.isdigit() or first == "+":
        digits = len(_DIGIT.findall(token))
        return "_phone_" if digits >= _PHONE_DIGITS else "_num_"
    return _DIGIT_RUN.sub("0", token)


def _token(raw: str) -> str:
    return raw if raw.isalpha() else _classify(raw)


def tokenize(text: str) -> list[str]:
    """The normalised tokens of ``text`` (emoji, symbols and punctuation dropped)."""
    return [raw if raw.isalpha() else _classify(raw) for raw in _TOKEN.findall(normalise(text))]


def token_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Tokens of ``text`` as :func:`tokenize` gives them, each with its span in ``text``.

    When normalisation changes the text's length (a ligature, a character whose casefold is two
    characters), offsets are mapped back character by character: slower, but only for the posts
    that need it and only in the template stage.
    """
    folded = normalise(text)
    if len(folded) == len(text):
        matches = list(_TOKEN.finditer(folded))
        raws = [match.group() for match in matches]
        return (
            [raw if raw.isalpha() else _classify(raw) for raw in raws],
            [match.span() for match in matches],
        )
    # starts[i] is the original offset of folded character i.
    starts: list[int] = []
    pieces: list[str] = []
    for index, char in enumerate(text):
        piece = normalise(char)
        pieces.append(piece)
        starts.extend([index] * len(piece))
    folded = "".join(pieces)
    starts.append(len(text))
    tokens: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in _TOKEN.finditer(folded):
        tokens.append(_token(match.group()))
        start, end = match.span()
        spans.append((starts[start], starts[end - 1] + 1))
    return tokens, spans


def spans(text: str) -> list[tuple[int, int]]:
    """The span of each token of ``text`` (as :func:`token_spans`, without building tokens)."""
    folded = normalise(text)
    if len(folded) == len(text):
        return [match.span() for match in _TOKEN.finditer(folded)]
    return token_spans(text)[1]


def _stable_hash(token: str) -> int:
    """A 32-bit hash that is the same in every process (``hash()`` is salted per process)."""
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "little")


@dataclass(frozen=True, slots=True)
class Shingles:
    """The shingle sets of a batch of documents in flat (CSR) form.

    ``values[offsets[d]:offsets[d + 1]]`` are document ``d``'s distinct shingles, sorted.
    """

    values: npt.NDArray[np.uint64]
    offsets: npt.NDArray[np.int64]

    @property
    def doc_count(self) -> int:
        return len(self.offsets) - 1

    def sizes(self) -> npt.NDArray[np.int64]:
        return np.diff(self.offsets)

    def doc_ids(self) -> npt.NDArray[np.int64]:
        """Per shingle entry, the index of its document."""
        return np.repeat(np.arange(self.doc_count, dtype=np.int64), self.sizes())

    def of(self, doc: int) -> npt.NDArray[np.uint64]:
        return self.values[self.offsets[doc] : self.offsets[doc + 1]]

    @staticmethod
    def concat(parts: Sequence[Shingles]) -> Shingles:
        """The documents of ``parts`` in order, as one batch."""
        if not parts:
            return Shingles(np.zeros(0, dtype=np.uint64), np.zeros(1, dtype=np.int64))
        sizes = np.concatenate([part.sizes() for part in parts])
        offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        return Shingles(np.concatenate([part.values for part in parts]), offsets)


def encode(
    texts: Sequence[str], min_tokens: int
) -> tuple[list[bytes | None], npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """Per text, a digest of its token sequence (``None`` below ``min_tokens`` tokens); and the
    32-bit token codes of the first text of each digest in this batch, flat, with their lengths.

    Pure and self-contained, so a worker process can encode one chunk of a corpus: only digests
    and code arrays travel back, never Python token lists.
    """
    cache: dict[str, int] = {}
    digests: list[bytes | None] = []
    seen: set[bytes] = set()
    flat: list[int] = []
    lengths: list[int] = []
    for text in texts:
        tokens = tokenize(text)
        if len(tokens) < min_tokens:
            digests.append(None)
            continue
        digest = hashlib.blake2b("\x1f".join(tokens).encode(), digest_size=16).digest()
        digests.append(digest)
        if digest in seen:
            continue
        seen.add(digest)
        for token in tokens:
            code = cache.get(token)
            if code is None:
                code = cache[token] = _stable_hash(token)
            flat.append(code)
        lengths.append(len(tokens))
    return digests, np.asarray(flat, dtype=np.uint32), np.asarray(lengths, dtype=np.int64)


def shingle(token_lists: Sequence[Sequence[str]]) -> Shingles:
    """Word-bigram shingle sets (a one-token document gives its unigram) for many documents."""
    cache: dict[str, int] = {}
    flat: list[int] = []
    lengths = np.zeros(len(token_lists), dtype=np.int64)
    for doc, tokens in enumerate(token_lists):
        lengths[doc] = len(tokens)
        for token in tokens:
            code = cache.get(token)
            if code is None:
                code = cache[token] = _stable_hash(token)
            flat.append(code)
    return shingle_codes(np.asarray(flat, dtype=np.uint32), lengths)


def shingle_codes(codes: npt.NDArray[np.uint32], lengths: npt.NDArray[np.int64]) -> Shingles:
    """Shingle sets from flat token codes (``lengths[d]`` codes per document, in order)."""
    count = len(lengths)
    codes = codes.astype(np.uint64)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    # A bigram starts at every token but the last of its document.
    has_next = np.ones(len(codes), dtype=bool)
    has_next[ends[lengths > 0] - 1] = False
    positions = np.flatnonzero(has_next)
    bigrams = (codes[positions] << np.uint64(32)) | codes[positions + 1]
    bigram_docs = np.repeat(np.arange(count, dtype=np.int64), np.maximum(lengths - 1, 0))
    # One-token documents shingle to the token itself (high word zero, so no bigram clash).
    single = np.flatnonzero(lengths == 1)
    values = np.concatenate([bigrams, codes[starts[single]]])
    docs = np.concatenate([bigram_docs, single])
    order = np.lexsort((values, docs))
    values, docs = values[order], docs[order]
    keep = np.ones(len(values), dtype=bool)
    keep[1:] = (values[1:] != values[:-1]) | (docs[1:] != docs[:-1])
    values, docs = values[keep], docs[keep]
    counts = np.bincount(docs, minlength=count)
    offsets = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return Shingles(values, offsets)
