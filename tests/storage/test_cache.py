"""Result cache: keys, TTL, exact Decimal round trip, and a broken file is only a miss."""

from __future__ import annotations

import contextlib
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from vvic_desktop.core.errors import StorageError
from vvic_desktop.core.models import Filters, Offer, Stall
from vvic_desktop.storage.cache import ResultCache, offer_from_json, offer_to_json

SHA = "a" * 64


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def sample_offers() -> list[Offer]:
    return [
        Offer(
            market="vvic", item_id="1001", title="法式碎花连衣裙", price=Decimal("69.00"),
            price_max=Decimal("89.50"), image_url="https://img.example/1.jpg",
            detail_url="https://www.vvic.com/item/1001",
            stall=Stall(name="小林服饰", market="广州十三行", position="3F-312", credit_level="A",
                        shop_id="s9"),
            stock=120, sales=35, min_order=3, similarity=0.91, art_no="LY-8821",
            extra={"hid": "8821", "when": Decimal("1.10")},
        ),
        Offer(market="vvic", item_id="1002", title="no price", price=None),
    ]


def test_offer_json_round_trip_keeps_decimals_exact() -> None:
    for offer in sample_offers():
        data = offer_to_json(offer)
        assert data["price"] in ("69.00", None)
        back = offer_from_json(data)
        assert back == offer  # dataclass equality ignores `extra`
        assert back.price is None or str(back.price) == str(offer.price)
    assert offer_from_json(offer_to_json(sample_offers()[0])).extra == {"hid": "8821",
                                                                         "when": "1.10"}


def test_put_then_get_within_ttl(tmp_path: Path) -> None:
    clock = Clock()
    cache = ResultCache(tmp_path / "c.sqlite3", ttl_seconds=3600, clock=clock)
    key = Filters().cache_key()
    assert cache.get(SHA, "vvic", key, "") is None
    cache.put(SHA, "vvic", key, "", sample_offers(), raw_count=3, skipped=1, notes=["n"])
    hit = cache.get(SHA, "vvic", key, "")
    assert hit is not None
    assert hit.offers == sample_offers()
    assert str(hit.offers[0].price) == "69.00" and str(hit.offers[0].price_max) == "89.50"
    assert (hit.raw_count, hit.skipped, hit.notes) == (3, 1, ["n"])


def test_entry_expires_after_ttl(tmp_path: Path) -> None:
    clock = Clock()
    cache = ResultCache(tmp_path / "c.sqlite3", ttl_seconds=3600, clock=clock)
    cache.put(SHA, "vvic", "f", "", sample_offers())
    clock.now += 3599
    assert cache.get(SHA, "vvic", "f", "") is not None
    clock.now += 1
    assert cache.get(SHA, "vvic", "f", "") is None


def test_zero_ttl_disables_the_cache(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "c.sqlite3", ttl_seconds=0)
    cache.put(SHA, "vvic", "f", "", sample_offers())
    assert cache.get(SHA, "vvic", "f", "") is None


@pytest.mark.parametrize(
    "other",
    [("b" * 64, "vvic", "f", ""), (SHA, "taobao", "f", ""),
     (SHA, "vvic", Filters(price_max=Decimal("80")).cache_key(), ""),
     (SHA, "vvic", "f", "http://127.0.0.1:9")],
)
def test_every_key_part_separates_entries(tmp_path: Path, other: tuple[str, str, str, str]) -> None:
    cache = ResultCache(tmp_path / "c.sqlite3")
    cache.put(SHA, "vvic", "f", "", sample_offers())
    assert cache.get(*other) is None
    assert cache.get(SHA, "vvic", "f", "") is not None


def test_put_replaces_the_previous_answer(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "c.sqlite3")
    cache.put(SHA, "vvic", "f", "", sample_offers())
    cache.put(SHA, "vvic", "f", "", sample_offers()[:1])
    hit = cache.get(SHA, "vvic", "f", "")
    assert hit is not None and len(hit.offers) == 1 and len(cache) == 1


def test_corrupt_file_is_a_miss_and_is_set_aside(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    db.write_bytes(b"this is not a database at all" * 100)
    cache = ResultCache(db)
    assert cache.get(SHA, "vvic", "f", "") is None
    assert list(tmp_path.glob("c.sqlite3.corrupt-*"))
    cache.put(SHA, "vvic", "f", "", sample_offers())  # a fresh cache works again
    assert cache.get(SHA, "vvic", "f", "") is not None


def test_unwritable_location_keeps_the_cache_in_memory(tmp_path: Path) -> None:
    """A cache folder that cannot be made: the session still caches (in memory), nothing on
    disk, no error for the search."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = ResultCache(blocker / "c.sqlite3")
    assert cache.get(SHA, "vvic", "f", "") is None
    cache.put(SHA, "vvic", "f", "", sample_offers())
    assert cache.get(SHA, "vvic", "f", "") is not None
    assert blocker.read_text() == "x" and not list(tmp_path.rglob("c.sqlite3*"))


def test_a_cache_file_from_before_schema_versions_is_kept(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    ResultCache(db).put(SHA, "vvic", "f", "", sample_offers())
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA user_version = 0")  # as files written before the versioned opener
        conn.commit()
    again = ResultCache(db)
    assert again.get(SHA, "vvic", "f", "") is not None
    again.close()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1


def test_size_is_bounded_oldest_first(tmp_path: Path) -> None:
    clock = Clock()
    cache = ResultCache(tmp_path / "c.sqlite3", clock=clock, max_entries=3)
    for n in range(6):
        clock.now += 1
        cache.put(f"{n:064d}", "vvic", "f", "", sample_offers())
    assert len(cache) == 3
    assert cache.get(f"{2:064d}", "vvic", "f", "") is None
    assert all(cache.get(f"{n:064d}", "vvic", "f", "") is not None for n in (3, 4, 5))


def test_full_disk_is_a_storage_error_and_keeps_old_entries(tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "c.sqlite3"
    cache = ResultCache(db)
    cache.put(SHA, "vvic", "f", "", sample_offers())
    big = [Offer(market="vvic", item_id=str(n), title="长" * 2000, price=None) for n in range(50)]
    real_connect = sqlite3.connect

    def capped(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        # SQLite's own way to simulate a full disk: no page beyond the current size
        conn = real_connect(*args, **kwargs)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count={pages}")
        return conn

    with monkeypatch.context() as patch, pytest.raises(StorageError):
        patch.setattr(sqlite3, "connect", capped)
        ResultCache(db).put("b" * 64, "vvic", "f", "", big)  # a process on a full disk
    assert cache.get(SHA, "vvic", "f", "") is not None
    assert cache.get("b" * 64, "vvic", "f", "") is None
