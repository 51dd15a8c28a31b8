"""The results model: a thin adapter over core.result_rows that keeps selection across
expand/collapse, sort and filter, and passes Qt's model tester throughout."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QItemSelectionModel, QPersistentModelIndex, Qt
from ui.results_data import offer, synthetic_groups

from vvic_desktop.core.models import Filters
from vvic_desktop.core.result_rows import build_rows
from vvic_desktop.core.style_groups import make_group
from vvic_desktop.ui.results.model import (
    ASYNC_MIN_GROUPS,
    PRESORT_CHUNK,
    ResultsModel,
    Roles,
    format_price,
    rows_for,
)
from vvic_desktop.workers.tasks import Pools


@pytest.fixture
def groups():
    cheap = make_group([offer("100001", "50", credit="C", similarity=0.7),
                        offer("100002", "55", credit="C", sales=9, similarity=0.8)])
    premium = make_group([offer("200001", "90", credit="A", similarity=0.95),
                          offer("200002", "80", credit="A", title="条纹衬衫", stall="陈记",
                                similarity=0.9),
                          offer("200003", "85", credit="B", similarity=0.6)])
    single = make_group([offer("300001", "60", credit="B", sales=100, similarity=0.85,
                               title="阔腿裤", market="杭州四季青")])
    return [cheap, premium, single]


@pytest.fixture
def model(groups, qtmodeltester):
    model = ResultsModel()
    model.set_groups(groups)
    qtmodeltester.check(model)  # the tester stays attached and checks every later change
    return model


def _items(model: ResultsModel) -> list[tuple[str, str]]:
    return [(model.index(r).data(Roles.Kind), model.index(r).data(Roles.Offer).item_id)
            for r in range(model.rowCount())]


class Recorder:
    def __init__(self, model: ResultsModel) -> None:
        self.events: list[tuple] = []
        model.rowsInserted.connect(lambda _p, a, b: self.events.append(("inserted", a, b)))
        model.rowsRemoved.connect(lambda _p, a, b: self.events.append(("removed", a, b)))
        model.modelReset.connect(lambda: self.events.append(("reset",)))
        model.layoutChanged.connect(lambda: self.events.append(("layout",)))


def test_rows_are_core_rows_with_role_values(model, groups):
    assert [r.offer.key for r in model.rows()] == [r.offer.key for r in build_rows(groups)]
    top = model.index(0)
    assert top.data(Roles.Kind) == "group"
    assert top.data(Roles.HiddenCount) == 2
    assert top.data(Roles.StallCount) == 3
    assert top.data(Roles.PriceMin) == Decimal("80")
    assert top.data(Roles.PriceMax) == Decimal("90")
    assert top.data(Roles.Price) == Decimal("80")  # the best offer's price
    assert top.data(Roles.StallName) == "陈记"
    assert top.data(Roles.Credit) == "A"
    assert top.data(Roles.DetailUrl) == "https://www.vvic.com/item/200002"
    assert top.data(Qt.ItemDataRole.DisplayRole) == "条纹衬衫"
    assert "陈记" in top.data(Qt.ItemDataRole.ToolTipRole)
    assert model.roleNames()[int(Roles.HiddenCount)] == b"hiddenCount"


def test_expand_inserts_member_rows_after_the_group_without_a_reset(model, groups):
    recorder = Recorder(model)
    premium = groups[1].group_id
    changed: list[int] = []
    model.dataChanged.connect(lambda a, _b, _r: changed.append(a.row()))
    model.toggle(0)
    assert recorder.events == [("inserted", 1, 3)]
    assert changed == [0]  # the header's toggle and hidden count repaint
    assert model.is_expanded(premium)
    # Members in the best-offer order (credit first): A 80, A 90, B 85.
    assert _items(model)[:4] == [("group", "200002"), ("offer", "200002"),
                                 ("offer", "200001"), ("offer", "200003")]
    assert model.index(0).data(Roles.Expanded) is True
    assert model.index(0).data(Roles.HiddenCount) == 0
    model.toggle(2)  # a member row closes its own group
    assert recorder.events[-1] == ("removed", 1, 3)
    assert model.rowCount() == 3


def test_single_offer_group_does_not_expand(model, groups):
    recorder = Recorder(model)
    model.set_expanded(groups[2].group_id, True)
    assert recorder.events == []
    assert not model.is_expanded(groups[2].group_id)


def test_selection_survives_expand_collapse_sort_and_filter(model, groups):
    selection = QItemSelectionModel(model)
    last = model.row_of_group(groups[0].group_id)
    selection.select(model.index(last), QItemSelectionModel.SelectionFlag.Select)
    keep = QPersistentModelIndex(model.index(last))
    model.set_expanded(groups[1].group_id, True)
    assert keep.data(Roles.GroupId) == groups[0].group_id
    assert [i.data(Roles.GroupId) for i in selection.selectedIndexes()] == [groups[0].group_id]
    model.set_sort("price")  # the cheap group moves to the top
    assert keep.row() == 0 and keep.data(Roles.GroupId) == groups[0].group_id
    assert [i.row() for i in selection.selectedIndexes()] == [0]
    model.set_filter(text="陈记")  # only the premium group mentions this stall
    assert not keep.isValid()
    assert {model.index(r).data(Roles.GroupId) for r in range(model.rowCount())} == {
        groups[1].group_id}
    assert model.is_expanded(groups[1].group_id)  # still open after the filter


def test_sort_keys_reorder_in_place(model, groups):
    recorder = Recorder(model)
    model.set_sort("price")
    assert [r.group_id for r in model.rows()] == [g.group_id for g in
                                                  (groups[0], groups[2], groups[1])]
    model.set_sort("sales")
    assert model.rows()[0].group_id == groups[2].group_id
    model.set_sort("similarity")
    assert [r.group_id for r in model.rows()] == [g.group_id for g in
                                                  (groups[1], groups[2], groups[0])]
    model.set_expanded(groups[1].group_id, True)
    sims = [r.offer.similarity for r in model.rows()[1:4]]
    assert sims == sorted(sims, reverse=True)
    assert ("reset",) not in recorder.events
    with pytest.raises(ValueError):
        model.set_sort("colour")


def test_buyer_filters_narrow_groups_and_recompute_their_spread(model, groups):
    model.set_filter(filters=Filters(price_max=Decimal("85")))
    premium = next(r for r in model.rows() if r.group_id == groups[1].group_id)
    assert len(premium.group.offers) == 2
    assert premium.group.price_max == Decimal("85")
    assert premium.hidden_count == 1
    model.set_filter(filters=Filters(credit_level="A"))
    assert [r.group_id for r in model.rows()] == [groups[1].group_id]
    model.set_filter(text="")
    model.set_filter(clear_filters=True)
    assert model.rowCount() == 3
    assert model.total_groups == 3


def test_text_filter_matches_title_stall_and_market(model, groups):
    model.set_filter(text="四季青")
    assert [r.group_id for r in model.rows()] == [groups[2].group_id]
    model.set_filter(text="  阔腿裤 ")
    assert model.rowCount() == 1
    model.set_filter(text="no such thing")
    assert model.rowCount() == 0
    model.set_filter(text="")
    assert model.rowCount() == 3


def test_category_filter_keeps_the_styles_of_one_garment_category(model, groups):
    # the categories the titles name (core.titles), the most styles first
    assert [g.category for g in groups] == ["dress", "dress", "trousers"]
    assert model.categories() == ["dress", "trousers"]
    model.set_filter(category="trousers")
    assert [r.group_id for r in model.rows()] == [groups[2].group_id]
    model.set_filter(text="碎花")  # the other filters combine with it
    assert model.rowCount() == 0
    model.set_filter(text="", category="dress")
    assert {r.group_id for r in model.rows()} == {groups[0].group_id, groups[1].group_id}
    assert model.categories() == ["dress", "trousers"]  # the choices do not shrink
    model.set_filter(category="")
    assert model.rowCount() == 3


def test_styles_whose_titles_name_no_category_are_no_choice(qtmodeltester):
    model = ResultsModel()
    model.set_groups([make_group([offer("400001", "20", title="新款爆款 现货")])])
    assert model.categories() == []
    assert model.rowCount() == 1


def test_new_groups_reset_the_model_and_the_expanded_set(model, groups):
    recorder = Recorder(model)
    model.set_expanded(groups[1].group_id, True)
    model.set_groups(groups)
    assert recorder.events[-1] == ("reset",)
    assert model.rowCount() == 3
    model.set_groups(groups, expanded=[groups[1].group_id])
    assert model.rowCount() == 3 + 3 and model.is_expanded(groups[1].group_id)
    model.clear()
    assert model.rowCount() == 0


def test_large_result_sets_are_flattened_in_a_worker(qtbot, qtmodeltester):
    pools = Pools()
    try:
        model = ResultsModel(pools=pools)
        qtmodeltester.check(model)
        many = synthetic_groups(ASYNC_MIN_GROUPS + 10, per_group=1)
        with qtbot.waitSignal(model.rowsRebuilt, timeout=5000):
            model.set_groups(many)
            assert model.busy  # nothing computed on the GUI thread yet
        assert not model.busy
        assert model.rowCount() == len(many)
        first = QPersistentModelIndex(model.index(0))
        gid = first.data(Roles.GroupId)
        with qtbot.waitSignal(model.rowsRebuilt, timeout=5000):
            model.set_sort("price_desc")
        assert first.data(Roles.GroupId) == gid  # the persistent index followed its card
        # A newer request makes an older answer stale: only the last one is applied.
        model.set_sort("price")
        with qtbot.waitSignal(model.rowsRebuilt, timeout=5000):
            model.set_sort("sales")
        qtbot.waitUntil(lambda: not model.busy)
        sales = [sum(o.sales or 0 for o in r.group.offers) for r in model.rows()]
        assert sales == sorted(sales, reverse=True)
    finally:
        pools.shutdown()


def test_format_price():
    assert format_price(Decimal("69.00")) == "¥69.00"
    assert format_price(Decimal("69.5")) == "¥69.50"
    assert format_price(Decimal("100")) == "¥100.00"
    assert format_price(None) == "—"


@pytest.mark.parametrize("key", ["best", "price", "price_desc", "stalls", "sales", "credit"])
def test_chunked_presort_gives_exactly_cores_order(key):
    many = synthetic_groups(PRESORT_CHUNK * 3 + 7, per_group=2, seed=11)
    some_open = {g.group_id for g in many[::5]}
    ours = rows_for(many, some_open, key)
    core = build_rows(many, some_open, key)
    assert [(r.kind, r.offer.key, r.group_index) for r in ours] == [
        (r.kind, r.offer.key, r.group_index) for r in core]
