"""Plain data the whole pipeline speaks: no Qt, no HTTP, no I/O."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from vvic_desktop.core.errors import BadCrop

CREDIT_LEVELS = ("A", "B", "C")


@dataclass(frozen=True, slots=True)
class CropBox:
    """A crop in the pixel coordinates of the upright (EXIF-rotated) original photo."""

    x: int
    y: int
    w: int
    h: int

    @classmethod
    def parse(cls, text: str) -> CropBox:
        """Parse 'X,Y,W,H' (the CLI's --crop)."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4:
            raise BadCrop(f"expected X,Y,W,H, got {text!r}")
        try:
            x, y, w, h = (int(p) for p in parts)
        except ValueError:
            raise BadCrop(f"expected whole numbers, got {text!r}") from None
        return cls(x, y, w, h)

    def clamped(self, width: int, height: int) -> CropBox:
        """The part of this box inside a width×height image; BadCrop if nothing is left."""
        if self.w <= 0 or self.h <= 0:
            raise BadCrop(f"width and height must be positive, got {self.w}×{self.h}")
        x0, y0 = max(0, self.x), max(0, self.y)
        x1, y1 = min(width, self.x + self.w), min(height, self.y + self.h)
        if x1 - x0 < 8 or y1 - y0 < 8:
            raise BadCrop(f"box {self.as_text()} is outside the {width}×{height} image")
        return CropBox(x0, y0, x1 - x0, y1 - y0)

    def as_text(self) -> str:
        return f"{self.x},{self.y},{self.w},{self.h}"


@dataclass(frozen=True, slots=True)
class Stall:
    """A seller: on VVIC a stall (档口) in a wholesale market building."""

    name: str = ""
    market: str = ""  # 广州十三行, 杭州四季青, …
    position: str = ""  # floor / stall number, e.g. "3F-312"
    credit_level: str = ""  # A > B > C; "" when unknown
    shop_id: str = ""


@dataclass(frozen=True, slots=True)
class Offer:
    """One listing from one marketplace, normalised.

    Prices are Decimal; a range such as "69-89" gives price=69 and price_max=89. A price the
    service did not give is None (never 0: a missing price must not win "cheapest").
    """

    market: str  # vvic, taobao, onebound-vvic, onebound-taobao, 1688, local
    item_id: str
    title: str
    price: Decimal | None
    image_url: str = ""
    detail_url: str = ""
    stall: Stall = field(default_factory=Stall)
    price_max: Decimal | None = None
    stock: int | None = None
    sales: int | None = None
    min_order: int | None = None  # 起批量 / MOQ
    similarity: float | None = None  # 0..1 when the service reports it
    art_no: str = ""  # 货号
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        return f"{self.market}:{self.item_id}"

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.stock > 0


@dataclass(slots=True)
class Filters:
    """What the buyer asked for besides the photo."""

    price_min: Decimal | None = None
    price_max: Decimal | None = None
    min_order_max: int | None = None  # at most this minimum order (batch_num)
    in_stock_only: bool = False
    credit_level: str | None = None  # "A" = A only, "B" = A or B, …
    max_results: int = 20
    category: str | None = None
    strictness: float = 1.0  # scales the similarity thresholds (0.5 loose … 1.5 strict)

    def cache_key(self) -> str:
        parts = [
            f"pmin={self.price_min}",
            f"pmax={self.price_max}",
            f"moq={self.min_order_max}",
            f"stock={int(self.in_stock_only)}",
            f"credit={self.credit_level}",
            f"n={self.max_results}",
            f"cat={self.category}",
        ]
        return "&".join(parts)


def filters_to_json(f: Filters) -> dict[str, Any]:
    return {
        "price_min": str(f.price_min) if f.price_min is not None else None,
        "price_max": str(f.price_max) if f.price_max is not None else None,
        "min_order_max": f.min_order_max,
        "in_stock_only": f.in_stock_only,
        "credit_level": f.credit_level,
        "max_results": f.max_results,
        "category": f.category,
        "strictness": f.strictness,
    }


def filters_from_json(data: dict[str, Any]) -> Filters:
    def dec(value: Any) -> Decimal | None:
        return Decimal(str(value)) if value not in (None, "") else None

    return Filters(
        price_min=dec(data.get("price_min")),
        price_max=dec(data.get("price_max")),
        min_order_max=data.get("min_order_max"),
        in_stock_only=bool(data.get("in_stock_only", False)),
        credit_level=data.get("credit_level"),
        max_results=int(data.get("max_results", 20)),
        category=data.get("category"),
        strictness=float(data.get("strictness", 1.0)),
    )


@dataclass(slots=True)
class StyleGroup:
    """Listings of one style (同款) from different stalls."""

    offers: list[Offer]
    best_offer: Offer
    price_min: Decimal | None
    price_median: Decimal | None
    price_max: Decimal | None
    stall_count: int
    in_stock_count: int
    representative: Offer
    group_id: str = ""
    category: str = "default"


@dataclass(frozen=True, slots=True)
class OfferMark:
    """What the buyer noted on one offer of a saved search: shortlisted (★) and a free note."""

    shortlisted: bool = False
    note: str = ""


@dataclass(slots=True)
class SearchQuery:
    source: str  # the photo's path or URL as the user gave it
    market: str
    crop: CropBox | None = None
    filters: Filters = field(default_factory=Filters)
    # no `crop`: cut the photo to the garment first (core.autocrop); the box found becomes
    # the result's `query.crop`. `vvic search`/`vvic batch` set it unless --no-crop.
    auto_crop: bool = False


@dataclass(slots=True)
class SearchResult:
    query: SearchQuery
    offers: list[Offer]
    groups: list[StyleGroup]
    image_sha256: str = ""
    notes: list[str] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)  # raw, skipped, api_calls, cached
    created_at: _dt.datetime = field(
        default_factory=lambda: _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    )
    prepared: PreparedImage | None = None  # the image that was sent: the library keeps it
    # the marketplace's id of the uploaded picture, so that "load more" need not upload it
    # again (kept in memory only: a saved search's next page uploads it once more)
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class PreparedImage:
    """A query photo ready for any marketplace: an upright RGB JPEG within the API limits."""

    jpeg: bytes
    width: int
    height: int
    sha256: str  # of `jpeg`: the result cache's key
    notes: tuple[str, ...] = ()  # codes such as "upscaled", "padded", "first_frame"
    source_format: str = ""
    source_size: tuple[int, int] = (0, 0)
    crop: CropBox | None = None  # the box of the upright photo that was cut out, if any
