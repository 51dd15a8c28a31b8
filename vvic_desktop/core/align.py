"""Feature alignment (seed module 2): garment category, similarity thresholds, title cues.

The category is read from the result titles (the marketplace tells us nothing else), and
picks the similarity threshold below which a result is marked weak; the user's strictness
scales it. Title cues (neckline, sleeve, fit words) only move a result up or down: a
title without them is normal (most stall titles are keyword soup), so nothing is ever
dropped for lacking one — the seed dropped every such item.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from vvic_desktop.core.models import Offer

# Most specific words first: 半身裙 must win over 短裙/长裙, 牛仔裤 is trousers. A字裙 is
# not a skirt word: "A字裙子" is as often a dress.
CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("skirt", ("半身裙", "半裙", "包臀裙", "百褶裙", "伞裙")),
    ("dress", ("连衣裙", "长裙", "短裙", "吊带裙", "裙子")),
    ("tshirt", ("t恤", "tee", "短t", "长t")),
    ("shirt", ("衬衫", "衬衣")),
    ("sweater", ("毛衣", "针织衫", "线衣", "针织开衫", "羊毛衫", "卫衣")),
    ("coat", ("外套", "夹克", "风衣", "大衣", "西装", "羽绒服", "棉服")),
    ("trousers", ("牛仔裤", "休闲裤", "阔腿裤", "西裤", "短裤", "长裤", "裤子", "裤")),
)

CATEGORY_THRESHOLDS: dict[str, float] = {
    "dress": 0.75,
    "shirt": 0.70,
    "trousers": 0.72,
    "sweater": 0.68,
    "default": 0.70,
}

CUE_WORDS: dict[str, tuple[str, ...]] = {
    "neckline": (
        "v领", "圆领", "方领", "高领", "翻领", "一字领", "娃娃领", "polo领", "半高领", "立领",
    ),
    "sleeve": ("长袖", "短袖", "七分袖", "五分袖", "无袖", "泡泡袖", "灯笼袖", "喇叭袖", "吊带"),
    "fit": ("韩版", "欧美", "通勤", "宽松", "修身", "oversize", "收腰", "直筒", "法式"),
}

# Print words: two titles that name different prints describe different styles.
PRINT_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("floral", ("碎花", "印花", "花朵")),
    ("stripe", ("条纹", "竖条", "横条")),
    ("check", ("格子", "格纹", "千鸟格")),
    ("dot", ("波点", "圆点", "点点")),
    ("solid", ("纯色", "素色")),
)

# Mutually exclusive cut words: two titles naming disjoint words of one family describe
# different cuts (a pleated and an A-line skirt of one fabric look alike in a photo).
CUT_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("v领", "圆领", "方领", "高领", "翻领", "一字领", "娃娃领", "立领"),
    ("百褶", "a字", "包臀", "鱼尾", "伞裙"),
    ("阔腿", "直筒", "小脚", "喇叭", "哈伦"),
    ("长袖", "短袖", "无袖", "七分袖", "五分袖"),
    ("开衫", "套头"),
    ("吊带", "泡泡袖", "衬衫式", "a字"),
)

# How much one agreeing / contradicting cue moves the rank score (similarity is 0..1).
CUE_WEIGHT = 0.03
STRICTNESS_RANGE = (0.5, 1.5)


def _norm(title: str) -> str:
    return re.sub(r"\s+", "", title).lower()


_CATEGORY_RES = tuple(
    (category, re.compile("|".join(map(re.escape, words)))) for category, words in CATEGORY_WORDS
)


@lru_cache(maxsize=65536)
def category_of(title: str) -> str:
    """The garment category a title names, or "default"."""
    text = _norm(title)
    for category, pattern in _CATEGORY_RES:
        if pattern.search(text):
            return category
    return "default"


def dominant_category(titles: Iterable[str]) -> str:
    """The category most titles name (ignoring titles that name none); "default" if none."""
    votes = Counter(c for c in map(category_of, titles) if c != "default")
    if not votes:
        return "default"
    (top, count), *rest = [*votes.most_common(2), ("", 0)]
    # A tie between two categories means we do not know: use the default threshold.
    return top if count > rest[0][1] else "default"


def threshold_for(category: str, strictness: float = 1.0) -> float:
    """The similarity threshold for a category, scaled by strictness (0.5 loose … 1.5 strict)."""
    lo, hi = STRICTNESS_RANGE
    strict = min(max(strictness, lo), hi)
    base = CATEGORY_THRESHOLDS.get(category, CATEGORY_THRESHOLDS["default"])
    return round(min(base * strict, 0.99), 4)


@lru_cache(maxsize=65536)
def print_of(title: str) -> str:
    """The print a title names ("floral", "stripe", …), or "" when it names none or several."""
    text = _norm(title)
    named = {kind for kind, words in PRINT_WORDS if any(w in text for w in words)}
    return named.pop() if len(named) == 1 else ""


@lru_cache(maxsize=65536)
def cut_words(title: str) -> tuple[frozenset[str], ...]:
    """Per cut family, the words of it the title names."""
    text = _norm(title)
    return tuple(frozenset(w for w in family if w in text) for family in CUT_FAMILIES)


def cuts_conflict(a: tuple[frozenset[str], ...], b: tuple[frozenset[str], ...]) -> bool:
    """Do two titles' cut words (from `cut_words`) name different cuts of one family."""
    return any(x and y and not (x & y) for x, y in zip(a, b, strict=True))


def title_cues(title: str) -> dict[str, frozenset[str]]:
    """The cue words of each kind in a title (empty sets when it names none)."""
    text = _norm(title)
    return {kind: frozenset(w for w in words if w in text) for kind, words in CUE_WORDS.items()}


def cue_adjustment(title: str, wanted: dict[str, frozenset[str]]) -> float:
    """+CUE_WEIGHT per cue kind that agrees with `wanted`, −CUE_WEIGHT per contradiction.

    A kind the title does not mention, or that nobody wants, counts 0: silence is not
    disagreement.
    """
    cues = title_cues(title)
    score = 0.0
    for kind, want in wanted.items():
        have = cues.get(kind, frozenset())
        if not want or not have:
            continue
        score += CUE_WEIGHT if have & want else -CUE_WEIGHT
    return score


def consensus_cues(titles: Sequence[str]) -> dict[str, frozenset[str]]:
    """Per cue kind, the word(s) most titles share (what the results agree the garment is)."""
    out: dict[str, frozenset[str]] = {}
    for kind in CUE_WORDS:
        votes = Counter(w for t in titles for w in title_cues(t)[kind])
        if not votes:
            out[kind] = frozenset()
            continue
        best = max(votes.values())
        out[kind] = frozenset(w for w, n in votes.items() if n == best)
    return out


@dataclass(slots=True)
class Aligned:
    """Offers in rank order, never fewer than came in."""

    offers: list[Offer]
    category: str
    threshold: float
    scores: dict[str, float] = field(default_factory=dict)  # offer.key -> rank score
    weak: set[str] = field(default_factory=set)  # keys below the similarity threshold


def align_offers(
    offers: Sequence[Offer],
    *,
    strictness: float = 1.0,
    category: str | None = None,
    query_title: str = "",
) -> Aligned:
    """Rank offers by similarity adjusted by title cues; mark (never drop) weak ones.

    `category` overrides the one read from titles (the buyer's filter). `query_title`, when
    the buyer typed words, supplies the wanted cues; otherwise the results' consensus does.
    An offer without a similarity figure is neither weak nor strong: it ranks at the
    threshold, so it sits among the borderline results instead of first or last.
    """
    titles = [o.title for o in offers]
    cat = category or dominant_category(titles)
    threshold = threshold_for(cat, strictness)
    wanted = title_cues(query_title) if query_title else consensus_cues(titles)
    scores: dict[str, float] = {}
    weak: set[str] = set()
    for offer in offers:
        sim = offer.similarity if offer.similarity is not None else threshold
        if offer.similarity is not None and offer.similarity < threshold:
            weak.add(offer.key)
        scores[offer.key] = sim + cue_adjustment(offer.title, wanted)
    order = sorted(range(len(offers)), key=lambda i: (-scores[offers[i].key], i))
    return Aligned([offers[i] for i in order], cat, threshold, scores, weak)
