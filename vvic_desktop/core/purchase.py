"""The purchase run (拿货单 / 进货单): what to take from which stall, in walking order.

Pure: lines in, a plan out (no Qt, no I/O; `storage.purchase` persists the lines).

- **Walking order.** Stalls are grouped by market, then building and floor, then zone and
  stall number, parsed from the positions the marketplaces give ("7F-738", "2楼A区213",
  "B区-4006", "新金马 4楼 412", "大西豪 B1-26", "F2-A123", "负一楼 B028" …). A stall number
  that starts with its floor ("B区-4006" is on the 4th floor) gives the floor when the text
  does not. Positions that cannot be read go last in their market, as given.
- **Money** is Decimal throughout: a line's subtotal is price × quantity; a line without a
  price adds nothing to a total and is counted as unpriced.
- **MOQ (起批量)** is checked per line, or per stall for the listings that allow mixing
  (混批): their quantities add up against the largest minimum among them.
- **Cheaper stall.** For each line, the cheapest other offer of the same style group from
  another stall, in stock, with a credit level not below the chosen one; `swap_line` takes it
  in one step (the old offer joins the group's alternatives, so the swap can be undone).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from vvic_desktop.core.models import CREDIT_LEVELS, Offer

MAX_QUANTITY = 100_000
MIX_WORDS = ("混批", "可混", "混码", "混色混款")

# --- positions -----------------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = r"[零〇一二两三四五六七八九十]{1,3}"
_FLOOR_WORD = r"(?:F|楼|层|樓|/F)"


def _cn_to_int(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十三 → 23."""
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(units, 0)
                                                                  if units else 0)
    value = 0
    for ch in text:
        value = value * 10 + _CN_DIGITS.get(ch, 0)
    return value


@dataclass(frozen=True, slots=True)
class Place:
    """Where a stall stands, as far as its position text says."""

    raw: str
    building: str = ""  # 新金马, 大西豪, A座 …
    floor: int | None = None  # 1, 2, …; basements negative (B1 → -1)
    zone: str = ""  # A区 → "A"
    number: int | None = None  # the stall number, 738
    suffix: str = ""  # what follows the number ("-1", "A", "档")
    floor_inferred: bool = False  # the floor came from the number's leading digits

    @property
    def parsed(self) -> bool:
        return self.number is not None or self.floor is not None

    def sort_key(self) -> tuple[Any, ...]:
        if not self.parsed:
            return (1, "", 0, "", 0, "", self.raw)
        return (
            0,
            self.building,
            self.floor if self.floor is not None else 10_000,
            self.zone,
            self.number if self.number is not None else -1,
            self.suffix,
            self.raw,
        )


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").strip()
    text = re.sub(r"\s+", " ", text)
    return text.upper()


_BASEMENT = re.compile(
    rf"(?:负|地下|B)\s*({_CN_NUMBER}|\d)\s*{_FLOOR_WORD}"  # 负一楼, 地下1层, B1F, B1楼
    r"|(?<![A-Z0-9])B([1-3])(?=$|[\s\-—_/区])"  # B1-26, "B2 区"
)
_FLOOR_BEFORE = re.compile(rf"({_CN_NUMBER}|\d{{1,2}})\s*{_FLOOR_WORD}")  # 7F, 2楼, 二楼, 3层
_FLOOR_AFTER = re.compile(r"(?<![A-Z])[FL]\s*(\d{1,2})(?!\d)")  # F2-A123, L3-305
_FLOOR_DASH = re.compile(r"(?<![A-Z0-9])(\d{1,2})\s*-\s*(\d{3,5})(?!\d)")
_ZONE = re.compile(r"([A-Z])\s*[区區]")  # A区, B区
_BLOCK = re.compile(r"([A-Z0-9一二三四五六七八九十]{1,3})\s*[座栋棟馆館期]")  # A座, 二期
_NUMBER = re.compile(r"([A-Z]{0,2})\s*(\d{1,5})([A-Z]?(?:\s*[-—]\s*\d{1,3})?)\s*(?:号|档|铺|#)?")


def parse_position(text: str) -> Place:
    """Read a stall position as the marketplaces write it; never raises."""
    raw = (text or "").strip()[:120]
    s = _normalise(raw)
    if not s:
        return Place(raw=raw)
    floor: int | None = None
    spans: list[tuple[int, int]] = []

    m = _BASEMENT.search(s)
    if m:
        digits = m.group(1) or m.group(2)
        floor = -(int(digits) if digits.isdigit() else _cn_to_int(digits))
        spans.append(m.span())
    else:
        m = _FLOOR_BEFORE.search(s)
        if m:
            digits = m.group(1)
            floor = int(digits) if digits.isdigit() else _cn_to_int(digits)
            spans.append(m.span())
        else:
            m = _FLOOR_AFTER.search(s)
            if m:
                floor = int(m.group(1))
                spans.append(m.span())

    zone = ""
    mz = _ZONE.search(s)
    if mz:
        zone = mz.group(1)
        spans.append(mz.span())

    block = ""
    mb = _BLOCK.search(s)
    if mb and not any(a <= mb.start() < b for a, b in spans):
        block = mb.group(0).replace(" ", "")
        spans.append(mb.span())

    rest = _blank(s, spans)
    if floor is None:  # "4-412": floor, then a stall number that starts with it
        mf = _FLOOR_DASH.search(rest)
        if mf and mf.group(2).startswith(mf.group(1)):
            floor = int(mf.group(1))
            spans.append(mf.span(1))
            rest = _blank(s, spans)
    number: int | None = None
    suffix = ""
    numbers = list(_NUMBER.finditer(rest))
    if numbers:
        mn = numbers[-1]
        letters, digits, tail = mn.group(1), mn.group(2), mn.group(3)
        number = int(digits)
        if letters and not zone:
            zone = letters
        suffix = re.sub(r"\s+", "", tail)
        spans.append(mn.span())

    first = min((a for a, _b in spans), default=len(s))
    building = s[:first].strip(" -—_/,，·")
    if block:
        building = f"{building} {block}".strip()
    inferred = False
    if floor is None and number is not None and number >= 100:
        floor = number // (1000 if number >= 1000 else 100)
        inferred = True
    if floor is not None and not (-5 <= floor <= 60):
        floor, inferred = None, False
    return Place(raw=raw, building=building, floor=floor, zone=zone, number=number,
                 suffix=suffix, floor_inferred=inferred)


def _blank(s: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(s)
    for a, b in spans:
        for i in range(a, b):
            chars[i] = " "
    return "".join(chars)


# --- lines and the plan --------------------------------------------------------------------


def stall_key(offer: Offer) -> tuple[str, str, str]:
    """Which stall an offer is at: market, stall (name or shop id), position."""
    s = offer.stall
    return (s.market.strip(), (s.name or s.shop_id).strip(), s.position.strip())


def credit_rank(level: str) -> int:
    """A → 0, B → 1, C → 2, unknown → 3 (lower is better)."""
    return CREDIT_LEVELS.index(level) if level in CREDIT_LEVELS else len(CREDIT_LEVELS)


def allows_mixing(offer: Offer) -> bool:
    """The listing says its minimum order can be met with other styles of the stall (混批)."""
    flag = offer.extra.get("mixed_batch", offer.extra.get("mix"))
    if isinstance(flag, bool):
        return flag
    return any(word in offer.title for word in MIX_WORDS)


@dataclass(frozen=True, slots=True)
class PurchaseLine:
    """One thing to take: an offer as it was when added, how many, and the buyer's note."""

    id: int
    offer: Offer
    quantity: int = 1
    note: str = ""  # colour, size …
    group: tuple[Offer, ...] = ()  # the other offers of its style group, as they were
    source: str = ""  # the saved search it came from, if any
    picture: str = ""  # the storage's reference to the line's picture
    group_pictures: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def subtotal(self) -> Decimal | None:
        return None if self.offer.price is None else self.offer.price * self.quantity


@dataclass(frozen=True, slots=True)
class Cheaper:
    """A cheaper offer of the same style at another stall."""

    offer: Offer
    saving_each: Decimal
    saving: Decimal  # × the line's quantity
    meets_moq: bool  # the line's quantity reaches that offer's minimum order


@dataclass(slots=True)
class PlannedLine:
    line: PurchaseLine
    below_moq: bool
    moq: int | None  # the minimum that applies (the stall's pooled one under 混批)
    cheaper: Cheaper | None


@dataclass(slots=True)
class StallSection:
    market: str
    stall: str
    position: str
    place: Place
    credit_level: str
    lines: list[PlannedLine]
    total: Decimal
    quantity: int
    unpriced: int  # lines without a price
    mixed: bool  # some of its listings allow mixing (混批)
    mixed_quantity: int  # pieces of those listings
    mixed_moq: int | None  # the largest minimum among them

    @property
    def below_moq(self) -> bool:
        return any(p.below_moq for p in self.lines)

    @property
    def saving(self) -> Decimal:
        return sum((p.cheaper.saving for p in self.lines if p.cheaper), Decimal(0))


@dataclass(slots=True)
class PurchasePlan:
    sections: list[StallSection]
    total: Decimal
    quantity: int
    line_count: int
    unpriced: int

    @property
    def below_moq_count(self) -> int:
        return sum(1 for s in self.sections for p in s.lines if p.below_moq)

    @property
    def possible_saving(self) -> Decimal:
        return sum((s.saving for s in self.sections), Decimal(0))

    def find(self, line_id: int) -> PlannedLine | None:
        for section in self.sections:
            for planned in section.lines:
                if planned.line.id == line_id:
                    return planned
        return None


def cheaper_offer(line: PurchaseLine) -> Cheaper | None:
    """The best cheaper offer of `line`'s style group at another stall, or None."""
    chosen = line.offer
    if chosen.price is None:
        return None
    own_stall = stall_key(chosen)
    own_credit = credit_rank(chosen.stall.credit_level)
    candidates = [
        o for o in line.group
        if o.key != chosen.key
        and stall_key(o) != own_stall
        and o.price is not None and o.price < chosen.price
        and o.in_stock
        and (own_credit == len(CREDIT_LEVELS) or credit_rank(o.stall.credit_level) <= own_credit)
    ]
    if not candidates:
        return None

    def rank(o: Offer) -> tuple[Any, ...]:
        meets = o.min_order is None or line.quantity >= o.min_order
        return (not meets, o.price, credit_rank(o.stall.credit_level), -(o.sales or 0), o.key)

    best = min(candidates, key=rank)
    assert best.price is not None
    each = chosen.price - best.price
    return Cheaper(best, each, each * line.quantity,
                   best.min_order is None or line.quantity >= best.min_order)


def swap_line(line: PurchaseLine, offer: Offer) -> PurchaseLine:
    """`line` taken from `offer` (one of its group) instead; the old offer joins the group."""
    if offer.key == line.offer.key:
        return line
    if all(o.key != offer.key for o in line.group):
        raise ValueError(f"{offer.key} is not in the line's style group")
    group = (*(o for o in line.group if o.key != offer.key), line.offer)
    pictures = dict(line.group_pictures)
    new_picture = pictures.pop(offer.key, "")
    if line.picture:
        pictures[line.offer.key] = line.picture
    return replace(line, offer=offer, group=group, picture=new_picture, group_pictures=pictures)


def build_plan(lines: Sequence[PurchaseLine]) -> PurchasePlan:
    """Stall sections in walking order, with totals, MOQ flags and cheaper stalls."""
    by_stall: dict[tuple[str, str, str], list[PurchaseLine]] = {}
    for line in lines:
        by_stall.setdefault(stall_key(line.offer), []).append(line)
    sections = [_section(key, members) for key, members in by_stall.items()]
    sections.sort(key=_section_order)
    return PurchasePlan(
        sections=sections,
        total=sum((s.total for s in sections), Decimal(0)),
        quantity=sum(s.quantity for s in sections),
        line_count=len(lines),
        unpriced=sum(s.unpriced for s in sections),
    )


def _section_order(section: StallSection) -> tuple[Any, ...]:
    return (section.market == "", section.market, section.place.sort_key(), section.stall)


def _section(key: tuple[str, str, str], lines: list[PurchaseLine]) -> StallSection:
    market, stall, position = key
    mixing = [ln for ln in lines if allows_mixing(ln.offer)]
    mixed_qty = sum(ln.quantity for ln in mixing)
    minimums = [ln.offer.min_order for ln in mixing if ln.offer.min_order]
    mixed_moq = max(minimums) if minimums else None
    planned = []
    for line in lines:
        if line in mixing:
            moq, below = mixed_moq, mixed_moq is not None and mixed_qty < mixed_moq
        else:
            moq = line.offer.min_order
            below = moq is not None and line.quantity < moq
        planned.append(PlannedLine(line, below, moq, cheaper_offer(line)))
    credit = min((ln.offer.stall.credit_level for ln in lines), key=credit_rank, default="")
    return StallSection(
        market=market, stall=stall, position=position, place=parse_position(position),
        credit_level=credit, lines=planned,
        total=sum((ln.subtotal for ln in lines if ln.subtotal is not None), Decimal(0)),
        quantity=sum(ln.quantity for ln in lines),
        unpriced=sum(1 for ln in lines if ln.offer.price is None),
        mixed=bool(mixing), mixed_quantity=mixed_qty, mixed_moq=mixed_moq,
    )


def clamp_quantity(value: int) -> int:
    return max(1, min(MAX_QUANTITY, int(value)))


# --- for people and programs ---------------------------------------------------------------


def money(value: Decimal | None) -> str | None:
    """Decimal money as text with two places ("69.00"), None when unknown."""
    return None if value is None else str(value.quantize(Decimal("0.01")))


def plan_to_json(plan: PurchasePlan) -> dict[str, Any]:
    """The plan as `vvic purchase list --json` prints it (money as decimal text)."""
    return {
        "sections": [
            {
                "market": s.market,
                "building": s.place.building,
                "floor": s.place.floor,
                "zone": s.place.zone,
                "stall": s.stall,
                "stall_number": s.place.number,
                "position": s.position,
                "credit_level": s.credit_level,
                "mixed": s.mixed,
                "mixed_quantity": s.mixed_quantity if s.mixed else None,
                "mixed_moq": s.mixed_moq,
                "below_moq": s.below_moq,
                "quantity": s.quantity,
                "total": money(s.total),
                "lines": [_line_json(p) for p in s.lines],
            }
            for s in plan.sections
        ],
        "stall_count": len(plan.sections),
        "line_count": plan.line_count,
        "quantity": plan.quantity,
        "unpriced": plan.unpriced,
        "below_moq": plan.below_moq_count,
        "possible_saving": money(plan.possible_saving),
        "total": money(plan.total),
    }


def _line_json(p: PlannedLine) -> dict[str, Any]:
    o = p.line.offer
    cheaper = None
    if p.cheaper is not None:
        c = p.cheaper.offer
        cheaper = {
            "item_id": c.item_id, "market": c.market, "title": c.title,
            "stall": c.stall.name, "stall_market": c.stall.market,
            "position": c.stall.position, "credit_level": c.stall.credit_level,
            "price": money(c.price), "moq": c.min_order, "stock": c.stock,
            "saving_each": money(p.cheaper.saving_each), "saving": money(p.cheaper.saving),
            "meets_moq": p.cheaper.meets_moq,
        }
    return {
        "id": p.line.id,
        "item_id": o.item_id,
        "market": o.market,
        "title": o.title,
        "art_no": o.art_no,
        "price": money(o.price),
        "qty": p.line.quantity,
        "subtotal": money(p.line.subtotal),
        "moq": p.moq,
        "below_moq": p.below_moq,
        "mixed": allows_mixing(o),
        "note": p.line.note,
        "credit_level": o.stall.credit_level,
        "link": o.detail_url,
        "source": p.line.source,
        "cheaper": cheaper,
    }


def line_label(offer: Offer, width: int = 40) -> str:
    """货号 when the listing has one, then its title, shortened to about `width` characters."""
    title = " ".join(offer.title.split())
    art = " ".join(offer.art_no.split())
    if art:
        title = re.sub(rf"(?<![0-9A-Za-z]){re.escape(art)}#?\s*", "", title, count=1).strip()
        return f"{art}# {title[:max(8, width - len(art) - 2)]}".strip()
    return title[:width]


def stall_text(section: StallSection, *, zh: bool = True) -> str:
    """One stall as a message: stall, position, then each line (货号/title, qty, price)."""
    head = " ".join(x for x in (section.stall, section.market, section.position) if x)
    out = [head or ("（未知档口）" if zh else "(unknown stall)")]
    for p in section.lines:
        o, line = p.line.offer, p.line
        price = f"¥{money(o.price)}" if o.price is not None else ("价格未知" if zh else "no price")
        qty = f"{line.quantity}件" if zh else f"×{line.quantity}"
        note = f"（{line.note}）" if line.note and zh else (f" ({line.note})" if line.note else "")
        out.append(f"- {line_label(o)}{note} {qty} {price}")
    total = money(section.total)
    out.append(f"合计 {section.quantity} 件 ¥{total}" if zh
               else f"Total {section.quantity} pcs ¥{total}")
    return "\n".join(out)


def plan_text(plan: PurchasePlan, *, zh: bool = True) -> str:
    """Every stall's message, in walking order, then the grand total."""
    parts = [stall_text(s, zh=zh) for s in plan.sections]
    total = money(plan.total)
    parts.append(f"总计 {len(plan.sections)} 个档口 {plan.quantity} 件 ¥{total}" if zh else
                 f"Grand total: {len(plan.sections)} stalls, {plan.quantity} pcs, ¥{total}")
    return "\n\n".join(parts) + "\n"
