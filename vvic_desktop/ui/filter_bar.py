"""The filter bar: market, price range, minimum order, in stock, credit level, strictness.

Public API: `filters() -> core.models.Filters`, `market() -> str`, `set_market(name)`, and the
signal `changed` (any filter edited; the main window re-filters in place or re-searches).
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QWidget,
)

from vvic_desktop.core.models import Filters


class FilterBar(QWidget):
    changed = Signal()

    def __init__(self, markets: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(8)

        self.market_box = QComboBox(objectName="marketSelector")
        self.market_box.setAccessibleName(self.tr("Marketplace"))
        for name in markets:
            self.market_box.addItem(self._market_label(name), name)
        self.market_box.currentIndexChanged.connect(self.changed)

        self.price_min = self._price_box("priceMin", self.tr("Lowest price"))
        self.price_max = self._price_box("priceMax", self.tr("Highest price"))
        self.min_order = QSpinBox(objectName="minOrder")
        self.min_order.setRange(0, 9999)
        self.min_order.setSpecialValueText(self.tr("any"))
        self.min_order.setAccessibleName(self.tr("Largest minimum order"))
        self.min_order.setToolTip(self.tr("Only listings whose minimum order is at most this"))
        self.min_order.valueChanged.connect(self.changed)

        self.in_stock = QCheckBox(self.tr("In stock"), objectName="inStock")
        self.in_stock.setAccessibleName(self.tr("Only listings in stock"))
        self.in_stock.toggled.connect(self.changed)

        self.credit = QComboBox(objectName="creditLevel")
        self.credit.setAccessibleName(self.tr("Stall credit level"))
        self.credit.addItem(self.tr("Any credit"), None)
        self.credit.addItem(self.tr("A only"), "A")
        self.credit.addItem(self.tr("A or B"), "B")
        self.credit.currentIndexChanged.connect(self.changed)

        self.strictness = QSlider(Qt.Orientation.Horizontal, objectName="strictness")
        self.strictness.setRange(50, 150)
        self.strictness.setValue(100)
        self.strictness.setFixedWidth(90)
        self.strictness.setAccessibleName(self.tr("Same-style strictness"))
        self.strictness.setToolTip(
            self.tr("Left: group more loosely, right: only near-identical listings")
        )
        self.strictness.valueChanged.connect(self.changed)

        layout.addWidget(QLabel(self.tr("Market")))
        layout.addWidget(self.market_box)
        layout.addWidget(QLabel(self.tr("Price ¥")))
        layout.addWidget(self.price_min)
        layout.addWidget(QLabel("–"))
        layout.addWidget(self.price_max)
        layout.addWidget(QLabel(self.tr("Max. min. order")))
        layout.addWidget(self.min_order)
        layout.addWidget(self.in_stock)
        layout.addWidget(self.credit)
        layout.addWidget(QLabel(self.tr("Strictness")))
        layout.addWidget(self.strictness)
        layout.addStretch(1)

    def _market_label(self, name: str) -> str:
        labels = {
            "vvic": self.tr("VVIC 搜款网"),
            "taobao": self.tr("Taobao 淘宝"),
            "onebound-vvic": self.tr("VVIC via OneBound"),
            "onebound-taobao": self.tr("Taobao via OneBound"),
            "1688": self.tr("1688 阿里巴巴"),
            "local": self.tr("Local library"),
        }
        return labels.get(name, name)

    def category_label(self, category: str) -> str:
        """A garment category code (core.titles: StyleGroup.category) as the buyer says it."""
        labels = {
            "dress": self.tr("Dresses"),
            "skirt": self.tr("Skirts"),
            "tshirt": self.tr("T-shirts"),
            "shirt": self.tr("Shirts"),
            "sweater": self.tr("Knitwear"),
            "coat": self.tr("Coats and jackets"),
            "trousers": self.tr("Trousers"),
        }
        return labels.get(category, category)

    def fill_categories(self, box: QComboBox, categories: list[str]) -> None:
        """Offer "all" and the given categories in `box`; the one chosen stays chosen while
        it is among them. No signal is sent (the caller re-filters once)."""
        chosen = str(box.currentData() or "")
        box.blockSignals(True)
        box.clear()
        box.addItem(self.tr("All categories"), "")
        for category in categories:
            box.addItem(self.category_label(category), category)
        box.setCurrentIndex(max(0, box.findData(chosen)))
        box.setEnabled(bool(categories))
        box.blockSignals(False)

    def _price_box(self, name: str, accessible: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox(objectName=name)
        box.setRange(0, 99999)
        box.setDecimals(0)
        box.setSpecialValueText(self.tr("any"))
        box.setAccessibleName(accessible)
        box.valueChanged.connect(self.changed)
        return box

    def market(self) -> str:
        return str(self.market_box.currentData())

    def set_market(self, name: str) -> None:
        index = self.market_box.findData(name)
        if index >= 0:
            self.market_box.setCurrentIndex(index)

    def filters(self, max_results: int = 20) -> Filters:
        low, high = self.price_min.value(), self.price_max.value()
        price_min = Decimal(int(low)) if low > 0 else None
        price_max = Decimal(int(high)) if high > 0 else None
        if price_min is not None and price_max is not None and price_min > price_max:
            price_min, price_max = price_max, price_min
        return Filters(
            price_min=price_min,
            price_max=price_max,
            min_order_max=self.min_order.value() or None,
            in_stock_only=self.in_stock.isChecked(),
            credit_level=self.credit.currentData(),
            max_results=max_results,
            strictness=self.strictness.value() / 100,
        )
