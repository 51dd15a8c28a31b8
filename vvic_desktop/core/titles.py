"""What listing titles say about the garment: category, print and cut words, and a
similarity of titles without the market's boilerplate.

Grouping uses them as secondary evidence: titles naming different categories, prints or
cuts (连衣裙/衬衫, 碎花/条纹, V领/圆领) veto a pair; a near-identical title groups an offer
whose picture is missing; a group's category is the one most of its titles name.

(The seed's module 2 also ranked results by per-category similarity thresholds and
neckline/sleeve/fit cue words. That ranking never ran in the pipeline and the marketplace
similarity figure it scaled plays no part in grouping, so it is gone: grouping is decided
by the pictures, measured in tests/bench/eval_real.py.)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

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


# Market names, places and selling boilerplate: they say nothing about the garment and would
# make every title of one market look alike.
TITLE_STOP_WORDS: tuple[str, ...] = (
    "广州十三行", "杭州四季青", "十三行", "四季青", "沙河", "白马", "广州", "杭州", "濮院",
    "混批", "批发", "打包", "新款", "现货", "爆款", "一件代发", "代发", "档口", "实拍",
    "厂家直销", "货源", "女装", "秋季", "冬季", "春季", "夏季", "秋冬", "春秋", "春夏",
    "网红", "同款", "热卖", "包邮", "正品", "高品质",
)
_STOP_RE = re.compile("|".join(sorted(map(re.escape, TITLE_STOP_WORDS), key=len, reverse=True)))
_NOT_WORD_RE = re.compile(r"[^\u4e00-\u9fffa-z0-9]+")
_YEAR_RE = re.compile(r"20\d\d年?")


def title_core(title: str) -> str:
    """A title without punctuation, years, market and boilerplate words, lower-cased."""
    text = _NOT_WORD_RE.sub("", title.lower())
    text = _YEAR_RE.sub("", text)
    return _STOP_RE.sub("", text)


def title_bigrams(title: str) -> frozenset[str]:
    core = title_core(title)
    if len(core) < 2:
        return frozenset([core]) if core else frozenset()
    return frozenset(core[k: k + 2] for k in range(len(core) - 1))


def title_similarity(a: str, b: str) -> float:
    """Dice coefficient of character bigrams of the title cores."""
    ba, bb = title_bigrams(a), title_bigrams(b)
    if not ba or not bb:
        return 0.0
    return 2 * len(ba & bb) / (len(ba) + len(bb))
