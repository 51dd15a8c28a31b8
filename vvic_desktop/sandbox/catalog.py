"""A deterministic synthetic garment catalog: styles, the stalls that list them, and images.

Everything is a pure function of the seed: the same seed gives the same styles, listings and
image bytes. Metadata is generated eagerly (fast); images are drawn lazily and cached.

A *style* is one garment design (category, cut, print, colour). Some styles are look-alikes of
another style: the same cut with a different print or colour, which a same-style grouper must
not merge. Each style is listed by 3–12 stalls; each listing shows the style's clean product
shot as a stall would post it (watermark, crop, border, padding, recompression, mirror, colour
shift, collage), with its own price, stock, minimum order, credit level and stall position.
"""

from __future__ import annotations

import io
import math
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageOps

CATEGORIES = ("dress", "shirt", "tshirt", "trousers", "skirt", "sweater")
PRINT_KINDS = ("solid", "stripe", "check", "dot", "floral")
VARIATIONS = (
    "watermark", "crop", "border", "pad", "recompress", "mirror", "colour_shift", "collage",
)

# Cuts per category; the silhouette is a function of (category, cut) only, so look-alikes
# (same cut) really share their outline and differ only in print or colour.
CUTS: dict[str, tuple[str, ...]] = {
    "dress": ("a-line", "slip", "puff-sleeve", "shirt-dress"),
    "shirt": ("classic", "short-sleeve"),
    "tshirt": ("crew", "v-neck", "oversize"),
    "trousers": ("straight", "wide-leg", "tapered"),
    "skirt": ("a-line", "pencil", "pleated"),
    "sweater": ("crew", "v-neck", "cardigan"),
}

CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "dress": ("连衣裙", "裙子"),
    "shirt": ("衬衫", "衬衣"),
    "tshirt": ("T恤", "短袖T恤"),
    "trousers": ("裤子", "长裤"),
    "skirt": ("半身裙", "半裙"),
    "sweater": ("毛衣", "针织衫"),
}
CUT_WORDS: dict[tuple[str, str], str] = {
    ("dress", "a-line"): "A字", ("dress", "slip"): "吊带", ("dress", "puff-sleeve"): "泡泡袖",
    ("dress", "shirt-dress"): "衬衫式", ("shirt", "classic"): "长袖",
    ("shirt", "short-sleeve"): "短袖", ("tshirt", "crew"): "圆领", ("tshirt", "v-neck"): "V领",
    ("tshirt", "oversize"): "宽松oversize", ("trousers", "straight"): "直筒",
    ("trousers", "wide-leg"): "阔腿", ("trousers", "tapered"): "小脚",
    ("skirt", "a-line"): "A字", ("skirt", "pencil"): "包臀", ("skirt", "pleated"): "百褶",
    ("sweater", "crew"): "圆领", ("sweater", "v-neck"): "V领", ("sweater", "cardigan"): "开衫",
}
PRINT_WORDS = {"solid": "纯色", "stripe": "条纹", "check": "格子", "dot": "波点", "floral": "碎花"}

# name -> (Chinese word, RGB). No pure white garments: they would vanish on the background.
COLOURS: dict[str, tuple[str, tuple[int, int, int]]] = {
    "red": ("红色", (196, 38, 48)),
    "navy": ("藏青", (32, 46, 92)),
    "black": ("黑色", (34, 34, 38)),
    "beige": ("杏色", (214, 186, 146)),
    "green": ("墨绿", (38, 92, 62)),
    "pink": ("粉色", (236, 148, 170)),
    "skyblue": ("天蓝", (112, 166, 220)),
    "mustard": ("姜黄", (214, 158, 38)),
    "grey": ("灰色", (128, 128, 134)),
    "purple": ("紫色", (118, 78, 150)),
    "brown": ("咖啡", (108, 72, 48)),
    "khaki": ("卡其", (176, 156, 106)),
}
# Base wholesale prices (yuan) per category: low, high.
PRICE_RANGE = {
    "dress": (68, 168), "shirt": (45, 110), "tshirt": (25, 59),
    "trousers": (49, 119), "skirt": (39, 99), "sweater": (59, 149),
}
# market name, short code for watermarks, weight; 濮院 is the knitwear market.
MARKETS = (
    ("广州十三行", "SSH"), ("杭州四季青", "SJQ"), ("广州沙河", "SH"),
    ("濮院", "PY"), ("广州白马", "BM"), ("深圳南油", "NY"),
)
_STALL_PREFIX = ("韩", "衣", "简", "素", "潮", "雅", "米", "悦", "芊", "佳", "柒", "木",
                 "初", "若", "晴", "樱", "夏", "蔓")
_STALL_SUFFIX = ("衣阁", "女装", "服饰", "时尚", "工作室", "原创", "家", "衣舍", "精品", "坊")
_STYLE_ADJ = ("韩版", "法式", "复古", "气质", "百搭", "显瘦", "ins风", "网红", "小清新", "设计感")
_SEASONS = ("春季", "夏季", "秋季", "冬季", "春秋")
_TAILS = ("现货批发", "一件代发", "档口直供", "实拍", "厂家直销", "爆款", "新品首发", "可混批")


@dataclass(frozen=True)
class Style:
    style_id: str
    category: str  # dress|shirt|tshirt|trousers|skirt|sweater
    cut: str
    print_kind: str  # solid|stripe|check|dot|floral
    colour: str
    lookalike_of: str | None  # style_id it imitates (same cut, other print/colour)


@dataclass(frozen=True)
class Listing:
    item_id: str
    style_id: str
    title: str
    price: str  # "69.00" (some "69-89")
    stock: int
    min_order: int
    credit_level: str  # "A"|"B"|"C"
    sales: int
    stall_name: str
    market_name: str  # 广州十三行 / 杭州四季青 / 沙河 / 濮院 …
    position: str  # e.g. "3F-312"
    art_no: str
    variations: tuple[str, ...]  # subset of VARIATIONS


@dataclass(frozen=True)
class _Stall:
    name: str
    market: str
    market_code: str
    position: str
    credit_level: str


@dataclass(frozen=True)
class _Look:
    """Per-style drawing parameters beyond the public Style fields."""

    secondary: tuple[int, int, int]
    scale: float  # print scale, fraction of the image size
    vertical_stripes: bool
    background: tuple[int, int, int]
    accent: tuple[int, int, int]  # floral petals / second stripe colour


_STYLE_CACHE_SIZE = 16


class Catalog:
    """Styles and listings of one seed; images drawn on demand (thread-safe)."""

    def __init__(self, seed: int = 7, n_styles: int = 48) -> None:
        if n_styles < 1:
            raise ValueError("n_styles must be at least 1")
        self.seed = seed
        self.styles: list[Style] = []
        self.listings: list[Listing] = []
        self._looks: dict[str, _Look] = {}
        self._base_price: dict[str, float] = {}
        self._style_by_id: dict[str, Style] = {}
        self._listing_by_id: dict[str, Listing] = {}
        self._listings_by_style: dict[str, list[Listing]] = {}
        self._stalls_by_name: dict[str, _Stall] = {}
        self._lock = threading.Lock()
        self._style_images: OrderedDict[tuple[str, int], Image.Image] = OrderedDict()
        self._listing_images: dict[str, bytes] = {}
        rng = random.Random(f"vvic-sandbox-catalog:{seed}")
        self._make_styles(rng, n_styles)
        stalls = self._make_stalls(rng, max(60, n_styles * 3))
        self._make_listings(rng, stalls)

    # -- public lookups -----------------------------------------------------------------

    def style(self, style_id: str) -> Style:
        return self._style_by_id[style_id]

    def listing(self, item_id: str) -> Listing:
        return self._listing_by_id[item_id]

    def listings_of(self, style_id: str) -> list[Listing]:
        """The listings of one style, in catalog order."""
        return list(self._listings_by_style[style_id])

    def lookalikes_of(self, style_id: str) -> list[Style]:
        """Styles that share this style's category and cut (look-alikes either way)."""
        me = self.style(style_id)
        return [
            s for s in self.styles
            if s.style_id != style_id and s.category == me.category and s.cut == me.cut
        ]

    def base_price(self, style_id: str) -> float:
        return self._base_price[style_id]

    def market_code(self, item_id: str) -> str:
        """The short market code of a listing's stall (e.g. "SSH" for 广州十三行)."""
        return self._stalls_by_name[self.listing(item_id).stall_name].market_code

    def style_image(self, style_id: str, size: int = 800) -> Image.Image:
        """The style's clean product shot: RGB, size×size, garment on a light background."""
        key = (style_id, size)
        with self._lock:
            cached = self._style_images.get(key)
            if cached is not None:
                self._style_images.move_to_end(key)
                return cached.copy()
        image = _draw_style(self.style(style_id), self._looks[style_id], size, self.seed)
        with self._lock:
            self._style_images[key] = image
            while len(self._style_images) > _STYLE_CACHE_SIZE:
                self._style_images.popitem(last=False)
        return image.copy()

    def listing_image(self, item_id: str) -> bytes:
        """The listing's JPEG as the stall posted it (deterministic; cached)."""
        with self._lock:
            cached = self._listing_images.get(item_id)
        if cached is not None:
            return cached
        listing = self.listing(item_id)
        stall = self._stalls_by_name[listing.stall_name]
        data = _render_listing(self, listing, stall)
        with self._lock:
            self._listing_images[item_id] = data
        return data

    # -- generation -----------------------------------------------------------------------

    def _make_styles(self, rng: random.Random, n_styles: int) -> None:
        colour_names = list(COLOURS)
        used: set[tuple[str, str, str, str]] = set()
        originals: list[Style] = []
        imitated: dict[str, int] = {}
        index = 0
        attempts = 0
        while len(self.styles) < n_styles:
            attempts += 1
            style_id = f"ST{index + 1:03d}"
            # About a third of styles imitate an earlier one: same cut, other print or colour.
            if originals and rng.random() < 0.36 and attempts < n_styles * 50:
                # Spread imitations over many originals rather than piling onto one.
                fewest = min(imitated.get(o.style_id, 0) for o in originals)
                base = rng.choice([o for o in originals if imitated.get(o.style_id, 0) == fewest])
                category, cut = base.category, base.cut
                if rng.random() < 0.5:
                    print_kind = rng.choice([p for p in PRINT_KINDS if p != base.print_kind])
                    colour = base.colour
                else:
                    print_kind = base.print_kind
                    colour = rng.choice([c for c in colour_names if c != base.colour])
                lookalike_of: str | None = base.style_id
            else:
                # Cycle categories so that every category is present even in small catalogs.
                category = CATEGORIES[len(originals) % len(CATEGORIES)]
                if rng.random() < 0.3:
                    category = rng.choice(CATEGORIES)
                cut = rng.choice(CUTS[category])
                print_kind = rng.choices(PRINT_KINDS, weights=(3, 2, 2, 2, 2))[0]
                colour = rng.choice(colour_names)
                lookalike_of = None
            combo = (category, cut, print_kind, colour)
            if combo in used and attempts < n_styles * 50:
                continue
            used.add(combo)
            style = Style(style_id, category, cut, print_kind, colour, lookalike_of)
            self.styles.append(style)
            self._style_by_id[style_id] = style
            if lookalike_of is None:
                originals.append(style)
            else:
                imitated[lookalike_of] = imitated.get(lookalike_of, 0) + 1
            self._looks[style_id] = _make_look(rng, colour)
            low, high = PRICE_RANGE[category]
            self._base_price[style_id] = float(rng.randrange(low, high + 1))
            index += 1

    def _make_stalls(self, rng: random.Random, count: int) -> list[_Stall]:
        stalls: list[_Stall] = []
        names: set[str] = set()
        while len(stalls) < count:
            market, code = rng.choice(MARKETS)
            name = rng.choice(_STALL_PREFIX) + rng.choice(_STALL_PREFIX) + rng.choice(_STALL_SUFFIX)
            if rng.random() < 0.25:
                name = rng.choice(("Mix", "MOMO", "Lily", "ZARA风", "K家", "JJ")) + name[2:]
            if name in names:
                continue
            names.add(name)
            floor = rng.randint(1, 8)
            if market == "杭州四季青" and rng.random() < 0.5:
                position = f"{rng.choice('ABC')}区-{floor}{rng.randint(1, 60):03d}"
            else:
                position = f"{floor}F-{floor}{rng.randint(1, 60):02d}"
            credit = rng.choices(("A", "B", "C"), weights=(4, 4, 2))[0]
            stall = _Stall(name, market, code, position, credit)
            stalls.append(stall)
            self._stalls_by_name[name] = stall
        return stalls

    def _make_listings(self, rng: random.Random, stalls: list[_Stall]) -> None:
        used_ids: set[str] = set()
        knit_stalls = [s for s in stalls if s.market == "濮院"]
        for style in self.styles:
            n = rng.randint(3, 12)
            pool = stalls
            if style.category == "sweater" and knit_stalls and rng.random() < 0.6:
                # Knitwear comes mostly from 濮院, but not only.
                pool = knit_stalls + rng.sample(stalls, min(len(stalls), 8))
                pool = list(dict.fromkeys(pool))
            chosen = rng.sample(pool, min(n, len(pool)))
            base = self._base_price[style.style_id]
            listings: list[Listing] = []
            for stall in chosen:
                item_id = str(rng.randrange(10**11, 10**12))
                while item_id in used_ids:
                    item_id = str(rng.randrange(10**11, 10**12))
                used_ids.add(item_id)
                listing = Listing(
                    item_id=item_id,
                    style_id=style.style_id,
                    title="",
                    price=_price(rng, base),
                    stock=0 if rng.random() < 0.15 else rng.randint(3, 900),
                    min_order=rng.choices(range(1, 11), weights=(5, 4, 5, 2, 3, 1, 1, 1, 1, 2))[0],
                    credit_level=stall.credit_level,
                    sales=int(rng.paretovariate(1.2) * 40) if rng.random() > 0.1 else 0,
                    stall_name=stall.name,
                    market_name=stall.market,
                    position=stall.position,
                    art_no=_art_no(rng),
                    variations=_variations(rng),
                )
                listing = _with_title(rng, listing, style)
                listings.append(listing)
                self.listings.append(listing)
                self._listing_by_id[item_id] = listing
            self._listings_by_style[style.style_id] = listings


def _make_look(rng: random.Random, colour: str) -> _Look:
    rgb = COLOURS[colour][1]
    light = sum(rgb) / 3 > 150
    secondary_choices = [(246, 243, 236), (250, 250, 250)] if not light else [
        (40, 40, 48), (250, 250, 250), (30, 46, 92),
    ]
    secondary = rng.choice(secondary_choices)
    accent = rng.choice([(236, 210, 80), (250, 250, 250), (240, 140, 160), (190, 60, 70)])
    background = rng.choice([(250, 250, 250), (244, 242, 238), (238, 240, 243), (247, 245, 240)])
    return _Look(
        secondary=secondary,
        scale=rng.uniform(0.022, 0.045),
        vertical_stripes=rng.random() < 0.35,
        background=background,
        accent=accent,
    )


def _price(rng: random.Random, base: float) -> str:
    price = base * rng.uniform(0.75, 1.25)
    if rng.random() < 0.1:
        # Some stalls quote a range (per size / per quantity).
        low = math.floor(price)
        return f"{low}-{low + rng.choice((10, 15, 20))}"
    if rng.random() < 0.5:
        return f"{round(price):d}.00"
    return f"{price:.2f}"


def _art_no(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.4:
        return f"{rng.randint(1000, 9999)}"
    if kind < 0.7:
        return f"{rng.choice('KLMXYZ')}{rng.randint(100, 9999)}"
    return f"{rng.choice(('A', 'B', 'W', 'Q'))}-{rng.randint(10, 999)}"


def _variations(rng: random.Random) -> tuple[str, ...]:
    chosen = []
    for name, probability in (
        ("watermark", 0.55), ("crop", 0.45), ("border", 0.2), ("pad", 0.25),
        ("recompress", 0.5), ("mirror", 0.25), ("colour_shift", 0.3), ("collage", 0.07),
    ):
        if rng.random() < probability:
            chosen.append(name)
    return tuple(chosen)


def _with_title(rng: random.Random, listing: Listing, style: Style) -> Listing:
    cat = rng.choice(CATEGORY_WORDS[style.category])
    cut = CUT_WORDS[(style.category, style.cut)]
    prt = PRINT_WORDS[style.print_kind]
    colour = COLOURS[style.colour][0]
    adj = rng.choice(_STYLE_ADJ)
    tail = rng.choice(_TAILS)
    year = rng.choice(("2026", "2025"))
    season = rng.choice(_SEASONS)
    gender = "女" if style.category != "trousers" or rng.random() < 0.8 else ""
    templates = (
        f"{listing.market_name} {year}新款{adj}{cut}{prt}{cat} {tail}",
        f"{listing.art_no}# {season}{cut}{prt}{cat}{gender} {adj} {tail}",
        f"实拍{prt}{cut}{cat}{colour} {year}{season}新款 {tail}",
        f"【{listing.stall_name}】{adj}{prt}{cat}{cut}百搭 {colour} {tail}",
        f"{year}{season}{adj}{colour}{prt}{cut}{cat}{gender}装 {listing.market_name}档口",
    )
    title = rng.choice(templates)
    return Listing(**{**listing.__dict__, "title": " ".join(title.split())})


# -- drawing ----------------------------------------------------------------------------------

Point = tuple[float, float]


def _shape(category: str, cut: str) -> tuple[list[list[Point]], list[list[Point]]]:
    """Polygons (unit coordinates) to add to and subtract from the garment mask."""
    add: list[list[Point]] = []
    sub: list[list[Point]] = []
    if category in ("tshirt", "shirt", "sweater"):
        wide = cut == "oversize"
        sw = 0.25 if wide else 0.21  # shoulder half-width
        bw = 0.22 if wide else 0.18  # body half-width at the armpit
        hw = 0.23 if wide else 0.19  # hem half-width
        top, arm, hem = 0.17, 0.34 if not wide else 0.38, 0.88
        long_sleeve = category == "sweater" or cut == "classic"
        add.append([
            (0.5 - 0.075, top - 0.02), (0.5 - sw, top), (0.5 - bw, arm), (0.5 - hw, hem),
            (0.5 + hw, hem), (0.5 + bw, arm), (0.5 + sw, top), (0.5 + 0.075, top - 0.02),
        ])
        for side in (-1, 1):
            shoulder = (0.5 + side * sw, top)
            armpit = (0.5 + side * bw, arm)
            if long_sleeve:
                angle, length, cuff = math.radians(68), 0.56, 0.085
            else:
                angle, length, cuff = math.radians(38), 0.2 if wide else 0.16, 0.13
            dx, dy = side * math.cos(angle), math.sin(angle)
            # The cuff runs perpendicular to the sleeve, towards the body and down.
            nx, ny = -side * math.sin(angle), math.cos(angle)
            end_outer = (shoulder[0] + dx * length, shoulder[1] + dy * length)
            end_inner = (end_outer[0] + nx * cuff, end_outer[1] + ny * cuff)
            add.append([shoulder, end_outer, end_inner, armpit])
        if cut in ("v-neck",):
            sub.append([(0.43, top - 0.03), (0.5, top + 0.14), (0.57, top - 0.03)])
        elif category == "shirt" or cut == "cardigan":
            sub.append([(0.44, top - 0.03), (0.5, top + 0.08), (0.56, top - 0.03)])
        else:
            sub.append(_ellipse(0.5, top - 0.02, 0.075, 0.055))
    elif category == "dress":
        sleeveless = cut in ("a-line", "slip")
        top = 0.2 if cut == "slip" else 0.14
        sw = 0.13 if cut == "slip" else (0.15 if sleeveless else 0.17)
        ww = 0.12
        hw = {"a-line": 0.31, "slip": 0.22, "puff-sleeve": 0.28, "shirt-dress": 0.22}[cut]
        hem = 0.94 if cut != "shirt-dress" else 0.9
        body = [(0.5 - 0.07, top), (0.5 - sw, top + 0.02), (0.5 - 0.145, 0.3),
                (0.5 - ww, 0.44)]
        steps = 8
        for i in range(steps + 1):
            t = i / steps
            x = 0.5 - hw + 2 * hw * t
            body.append((x, hem + 0.025 * math.sin(math.pi * t)))
        body += [(0.5 + ww, 0.44), (0.5 + 0.145, 0.3), (0.5 + sw, top + 0.02), (0.5 + 0.07, top)]
        add.append(body)
        if cut == "slip":
            for side in (-1, 1):
                x = 0.5 + side * 0.1
                add.append([(x - 0.008, 0.06), (x + 0.008, 0.06), (x + 0.008, top + 0.03),
                            (x - 0.008, top + 0.03)])
            sub.append(_ellipse(0.5, top, 0.06, 0.025))
        else:
            if cut == "puff-sleeve":
                for side in (-1, 1):
                    add.append(_ellipse(0.5 + side * 0.2, top + 0.06, 0.075, 0.065))
            elif cut == "shirt-dress":
                for side in (-1, 1):
                    s, a = (0.5 + side * sw, top + 0.02), (0.5 + side * 0.145, 0.3)
                    add.append([s, (s[0] + side * 0.12, s[1] + 0.12),
                                (s[0] + side * 0.07, s[1] + 0.2), a])
            neck = (0.5, top + 0.01, 0.07, 0.06) if cut != "shirt-dress" else None
            if neck:
                sub.append(_ellipse(*neck))
            else:
                sub.append([(0.44, top - 0.01), (0.5, top + 0.08), (0.56, top - 0.01)])
    elif category == "skirt":
        hw = {"a-line": 0.3, "pencil": 0.18, "pleated": 0.33}[cut]
        hem = {"a-line": 0.82, "pencil": 0.86, "pleated": 0.8}[cut]
        body = [(0.5 - 0.19, 0.16)]
        if cut == "pencil":
            body.append((0.5 - 0.215, 0.38))
        steps = 10
        for i in range(steps + 1):
            t = i / steps
            body.append((0.5 - hw + 2 * hw * t, hem + 0.03 * math.sin(math.pi * t)))
        if cut == "pencil":
            body.append((0.5 + 0.215, 0.38))
        body.append((0.5 + 0.19, 0.16))
        add.append(body)
        add.append([(0.5 - 0.195, 0.1), (0.5 + 0.195, 0.1), (0.5 + 0.195, 0.17),
                    (0.5 - 0.195, 0.17)])
    elif category == "trousers":
        hem_w = {"straight": 0.13, "wide-leg": 0.2, "tapered": 0.085}[cut]
        outer = {"straight": 0.2, "wide-leg": 0.24, "tapered": 0.19}[cut]
        add.append([(0.5 - 0.19, 0.08), (0.5 + 0.19, 0.08), (0.5 + 0.2, 0.14),
                    (0.5 - 0.2, 0.14)])
        for side in (-1, 1):
            # outer hem x, inner hem x
            ox = 0.5 + side * outer
            ix = ox - side * hem_w * 1.0
            add.append([(0.5 + side * 0.2, 0.13), (0.5, 0.13), (0.5, 0.38),
                        (0.5 + side * 0.012, 0.38), (ix, 0.95), (ox, 0.95)])
    return add, sub


def _ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 28) -> list[Point]:
    return [
        (cx + rx * math.cos(2 * math.pi * i / n), cy + ry * math.sin(2 * math.pi * i / n))
        for i in range(n)
    ]


def _scaled(poly: list[Point], size: int) -> list[tuple[float, float]]:
    return [(x * size, y * size) for x, y in poly]


def _pattern(style: Style, look: _Look, size: int, rng: random.Random) -> Image.Image:
    base = np.array(COLOURS[style.colour][1], dtype=np.float32)
    second = np.array(look.secondary, dtype=np.float32)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    period = max(4.0, look.scale * size)
    kind = style.print_kind
    if kind == "solid":
        # Knit and woven fabric is never flat: a faint texture keeps solids from looking drawn.
        noise = np.sin(xx * 0.9) * np.sin(yy * 0.9) * 4.0
        arr = base[None, None, :] + noise[..., None]
    elif kind == "stripe":
        coord = xx if look.vertical_stripes else yy
        band = (np.mod(coord, period * 1.6) < period * 0.7).astype(np.float32)
        arr = base[None, None, :] * (1 - band[..., None]) + second[None, None, :] * band[..., None]
    elif kind == "check":
        h = (np.mod(yy, period * 2) < period).astype(np.float32)
        v = (np.mod(xx, period * 2) < period).astype(np.float32)
        mix = (h + v) / 2.0  # gingham: 0 base, 0.5 blend, 1 secondary
        thin = ((np.mod(yy + period * 0.5, period * 2) < 2) | (np.mod(xx + period * 0.5,
                period * 2) < 2)).astype(np.float32) * 0.6
        arr = base[None, None, :] * (1 - mix[..., None]) + second[None, None, :] * mix[..., None]
        arr = arr * (1 - thin[..., None]) + np.array(look.accent, np.float32) * thin[..., None]
    elif kind == "dot":
        cell = period * 1.5
        row = np.floor(yy / cell)
        shifted = xx + (np.mod(row, 2) * cell / 2)
        dx = np.mod(shifted, cell) - cell / 2
        dy = np.mod(yy, cell) - cell / 2
        dot = (dx * dx + dy * dy) < (cell * 0.26) ** 2
        arr = np.where(dot[..., None], second[None, None, :], base[None, None, :])
    else:  # floral
        img = Image.new("RGB", (size, size), tuple(int(c) for c in base))
        draw = ImageDraw.Draw(img)
        leaf = (64, 120, 70) if style.colour != "green" else (150, 190, 120)
        petal_colours = [look.accent, look.secondary, (240, 200, 210)]
        r = max(2.0, period * 0.32)
        count = int((size / (r * 3.2)) ** 2)
        for _ in range(count):
            cx, cy = rng.uniform(0, size), rng.uniform(0, size)
            petal = rng.choice(petal_colours)
            turn = rng.uniform(0, math.tau)
            lx, ly = cx + math.cos(turn) * r * 1.6, cy + math.sin(turn) * r * 1.6
            draw.ellipse((lx - r * 0.7, ly - r * 0.35, lx + r * 0.7, ly + r * 0.35), fill=leaf)
            for k in range(5):
                a = turn + k * math.tau / 5
                px, py = cx + math.cos(a) * r * 0.7, cy + math.sin(a) * r * 0.7
                draw.ellipse((px - r * 0.55, py - r * 0.55, px + r * 0.55, py + r * 0.55),
                             fill=petal)
            draw.ellipse((cx - r * 0.3, cy - r * 0.3, cx + r * 0.3, cy + r * 0.3),
                         fill=(236, 196, 60))
        return img
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def _draw_style(style: Style, look: _Look, size: int, seed: int) -> Image.Image:
    rng = random.Random(f"vvic-sandbox-style:{seed}:{style.style_id}")
    add, sub = _shape(style.category, style.cut)
    mask = Image.new("L", (size, size), 0)
    mdraw = ImageDraw.Draw(mask)
    for poly in add:
        mdraw.polygon(_scaled(poly, size), fill=255)
    for poly in sub:
        mdraw.polygon(_scaled(poly, size), fill=0)
    fabric = _pattern(style, look, size, rng)

    # Shading: darker towards the outline, soft vertical folds, light from the top left.
    blur = max(1, size // 40)
    inner = np.asarray(mask.filter(ImageFilter.GaussianBlur(blur)), np.float32) / 255.0
    xs = np.linspace(0, 1, size, dtype=np.float32)
    folds = 1.0 + 0.05 * np.sin(xs * math.tau * 3.3 + rng.uniform(0, math.tau))
    light = 1.04 - 0.1 * np.linspace(0, 1, size, dtype=np.float32)[:, None]
    shade = (0.78 + 0.22 * inner) * folds[None, :] * light
    if style.category == "skirt" and style.cut == "pleated":
        # Pressed pleats: panels fanning out from the waist, alternately in light and shadow.
        ys = np.linspace(0, 1, size, dtype=np.float32)[:, None]
        half = 0.19 + (0.33 - 0.19) * np.clip((ys - 0.17) / 0.65, 0, 1)
        t = (xs[None, :] - 0.5) / half
        panel = np.floor((t + 1.0) * 6.0).astype(np.int32)
        shade = shade * np.where(panel % 2 == 1, 0.86, 1.04)
    fab = np.asarray(fabric, np.float32) * shade[..., None]
    fabric = Image.fromarray(np.clip(fab, 0, 255).astype(np.uint8), "RGB")

    canvas = Image.new("RGB", (size, size), look.background)
    # A soft drop shadow lifts the garment off the background, as in a studio shot.
    shadow = mask.filter(ImageFilter.GaussianBlur(max(2, size // 60)))
    shadow = ImageChops.offset(shadow, size // 120, size // 80).point(lambda v: v * 0.35)
    canvas.paste((150, 150, 150), (0, 0), shadow)
    canvas.paste(fabric, (0, 0), mask)

    draw = ImageDraw.Draw(canvas)
    outline = tuple(max(0, int(c * 0.55)) for c in COLOURS[style.colour][1])
    edge = ImageChops.subtract(mask, mask.filter(ImageFilter.MinFilter(3)))
    canvas.paste(outline, (0, 0), edge)
    _details(draw, style, size, outline)
    return canvas


def _details(draw: ImageDraw.ImageDraw, style: Style, size: int,
             outline: tuple[int, ...]) -> None:
    """Seams, collars, buttons and ribbing that make a silhouette read as a garment."""
    s = size
    w = max(1, s // 300)
    col = tuple(outline)
    if style.category == "shirt" or style.cut == "shirt-dress":
        top = 0.15 if style.category == "shirt" else 0.13
        for side in (-1, 1):
            draw.polygon([(s * 0.5, s * (top + 0.08)), (s * (0.5 + side * 0.075), s * (top - 0.03)),
                          (s * (0.5 + side * 0.11), s * (top + 0.04))],
                         fill=(246, 246, 244), outline=col, width=w)
        draw.line([(s * 0.5, s * (top + 0.08)), (s * 0.5, s * 0.86)], fill=col, width=w)
        for i in range(6):
            y = s * (top + 0.12 + i * 0.11)
            r = s * 0.008
            draw.ellipse((s * 0.515 - r, y - r, s * 0.515 + r, y + r), fill=(236, 232, 222),
                         outline=col)
    if style.category == "sweater":
        # Ribbed hem and cuffs.
        for i in range(int(0.38 * 100)):
            x = s * (0.31 + i * 0.01)
            draw.line([(x, s * 0.84), (x, s * 0.88)], fill=col, width=w)
        draw.line([(s * 0.31, s * 0.84), (s * 0.69, s * 0.84)], fill=col, width=w)
        if style.cut == "cardigan":
            draw.line([(s * 0.5, s * 0.23), (s * 0.5, s * 0.88)], fill=col, width=w * 2)
            for i in range(5):
                y = s * (0.28 + i * 0.11)
                r = s * 0.009
                draw.ellipse((s * 0.52 - r, y - r, s * 0.52 + r, y + r), fill=(60, 50, 40))
    if style.category == "tshirt" and style.cut != "v-neck":
        draw.arc((s * 0.42, s * 0.095, s * 0.58, s * 0.205), 0, 180, fill=col, width=w * 2)
    if style.category in ("dress",) and style.cut != "slip":
        draw.line([(s * 0.38, s * 0.44), (s * 0.62, s * 0.44)], fill=col, width=w)
    if style.category == "skirt":
        draw.line([(s * 0.305, s * 0.17), (s * 0.695, s * 0.17)], fill=col, width=w)
        if style.cut == "pleated":
            for i in range(1, 12):
                t = i / 12
                draw.line([(s * (0.31 + 0.38 * t), s * 0.17), (s * (0.17 + 0.66 * t), s * 0.82)],
                          fill=col, width=w)
        elif style.cut == "pencil":
            draw.line([(s * 0.5, s * 0.72), (s * 0.5, s * 0.87)], fill=col, width=w)
    if style.category == "trousers":
        draw.line([(s * 0.3, s * 0.14), (s * 0.7, s * 0.14)], fill=col, width=w)
        draw.line([(s * 0.5, s * 0.14), (s * 0.5, s * 0.3)], fill=col, width=w)
        r = s * 0.007
        draw.ellipse((s * 0.5 - r, s * 0.11 - r, s * 0.5 + r, s * 0.11 + r), fill=(200, 190, 170))
        for side in (-1, 1):
            x = s * (0.5 + side * 0.11)
            draw.line([(x, s * 0.16), (x, s * 0.9)], fill=col, width=w)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, TypeError, ValueError):  # a Pillow built without FreeType
        return ImageFont.load_default()


def _render_listing(catalog: Catalog, listing: Listing, stall: _Stall) -> bytes:
    rng = random.Random(f"vvic-sandbox-listing:{catalog.seed}:{listing.item_id}")
    v = set(listing.variations)
    image = catalog.style_image(listing.style_id, 800)
    if "collage" in v:
        if rng.random() < 0.5:
            # Two shots side by side (front and a near-duplicate), as many stalls post them.
            other = ImageOps.mirror(image)
            both = Image.new("RGB", (1600, 800), (255, 255, 255))
            both.paste(image, (0, 0))
            both.paste(other, (800, 0))
            image = both.resize((1000, 500), Image.Resampling.LANCZOS)
        else:
            # The whole garment with a detail inset (a fabric close-up) in a corner.
            detail = image.crop((240, 320, 400, 480)).resize((260, 260), Image.Resampling.LANCZOS)
            detail = ImageOps.expand(detail, border=6, fill=(255, 255, 255))
            image.paste(detail, (800 - 290, 800 - 290))
    if "crop" in v:
        w, h = image.size
        fx = rng.uniform(0.04, 0.15)
        fy = rng.uniform(0.04, 0.15)
        left = int(w * fx * rng.uniform(0, 1))
        top = int(h * fy * rng.uniform(0, 1))
        image = image.crop((left, top, left + int(w * (1 - fx)), top + int(h * (1 - fy))))
    if "mirror" in v:
        image = ImageOps.mirror(image)
    if "colour_shift" in v:
        arr = np.asarray(image, np.float32)
        gains = np.array([rng.uniform(0.96, 1.04) for _ in range(3)], np.float32)
        arr = arr * gains * rng.uniform(0.96, 1.04)
        image = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    if "pad" in v:
        w, h = image.size
        if rng.random() < 0.5:
            new = (w, int(h * rng.uniform(1.15, 1.3)))  # portrait 3:4-ish canvas
        else:
            new = (int(w * rng.uniform(1.15, 1.3)), h)
        fill = rng.choice([(255, 255, 255), (240, 240, 240), (250, 246, 240)])
        canvas = Image.new("RGB", new, fill)
        canvas.paste(image, ((new[0] - w) // 2, (new[1] - h) // 2))
        image = canvas
    if "border" in v:
        width = rng.randint(8, 24)
        image = ImageOps.expand(image, border=width, fill=rng.choice(
            [(30, 30, 30), (200, 40, 50), (230, 230, 230), (214, 186, 146)]))
    target = rng.randint(600, 900)
    scale = target / max(image.size)
    image = image.resize(
        (max(1, round(image.size[0] * scale)), max(1, round(image.size[1] * scale))),
        Image.Resampling.LANCZOS,
    )
    if "watermark" in v:
        image = _watermark(image, f"{stall.market_code}-{stall.position.replace('-', '')}", rng)
    if "recompress" in v:
        # A photo that went through WeChat/a marketplace once already: blocky and soft.
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=rng.randint(35, 60))
        image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=rng.randint(80, 92))
    return out.getvalue()


def _watermark(image: Image.Image, text: str, rng: random.Random) -> Image.Image:
    w, h = image.size
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    font = _font(max(12, w // 16))
    alpha = rng.randint(70, 140)
    colour = rng.choice([(255, 255, 255), (90, 90, 90), (200, 40, 50)])
    if rng.random() < 0.5:
        # One big mark across the middle.
        draw.text((w * 0.5, h * 0.55), text, font=font, fill=(*colour, alpha), anchor="mm",
                  stroke_width=1, stroke_fill=(0, 0, 0, alpha // 2))
    else:
        # The stall code in a corner, as most stalls stamp their photos.
        small = _font(max(10, w // 24))
        draw.text((w - 12, h - 12), text, font=small, fill=(*colour, min(255, alpha + 80)),
                  anchor="rd")
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")
