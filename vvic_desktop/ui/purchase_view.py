"""The 进货单 / Purchase list tab: stall sections in walking order, to take to the market.

Each stall is a section (its position, credit, total and MOQ warning); each line shows its
picture, 货号/title, note, price, an in-place quantity, the subtotal, the minimum order, and a
cheaper stall of the same style with a one-click swap. Every database read and write runs on
the shared storage pool (`Pools.storage`); the GUI thread only builds widgets from the plan.
Exports (XLSX, HTML route sheet, text) are written on the storage pool too; the text of one
stall (or all) goes to the clipboard for messaging.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vvic_desktop.core.errors import language
from vvic_desktop.core.models import Offer, StyleGroup
from vvic_desktop.core.purchase import (
    MAX_QUANTITY,
    PlannedLine,
    PurchasePlan,
    StallSection,
    line_label,
    money,
    plan_text,
    stall_text,
)
from vvic_desktop.services import SearchServices
from vvic_desktop.ui.messages import error_text
from vvic_desktop.ui.results.thumbnails import load_scaled
from vvic_desktop.workers.tasks import Pools

PICTURE_EDGE = 64
LINE_ROLE = Qt.ItemDataRole.UserRole + 1  # line id on a line row
SECTION_ROLE = Qt.ItemDataRole.UserRole + 2  # section index on a stall row


class Col:
    Item, Note, Price, Qty, Subtotal, Moq, Cheaper = range(7)


class PurchaseView(QWidget):
    countChanged = Signal(int)  # lines on the list (the tab's badge)
    statusMessage = Signal(str, bool)  # text, is_error
    planShown = Signal()  # the tree shows the latest plan (tests wait on it)

    def __init__(self, services: SearchServices, pools: Pools,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("purchaseView")
        self.setAccessibleName(self.tr("Purchase list"))
        self.services = services
        self.pools = pools
        self.plan: PurchasePlan | None = None
        self._generation = 0

        self.summary = QLabel(objectName="purchaseSummary")
        self.summary.setWordWrap(True)
        self.export_button = QPushButton(self.tr("Export…"), objectName="purchaseExport")
        self.export_button.setAccessibleName(self.tr("Export the purchase list"))
        self.export_button.setToolTip(self.tr(
            "Excel to print, an HTML route sheet for the phone, or text per stall"))
        self.export_button.clicked.connect(self.export_dialog)
        self.copy_button = QPushButton(self.tr("Copy for messaging"), objectName="purchaseCopy")
        self.copy_button.setAccessibleName(self.tr("Copy the list as text"))
        self.copy_button.setToolTip(self.tr(
            "Copy the selected stall (or every stall) as text, to send by WeChat"))
        self.copy_button.clicked.connect(self.copy_selected)
        self.remove_button = QToolButton(objectName="purchaseRemove")
        self.remove_button.setText(self.tr("Remove"))
        self.remove_button.setAccessibleName(self.tr("Remove the selected line"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.clear_button = QToolButton(objectName="purchaseClear")
        self.clear_button.setText(self.tr("Clear list"))
        self.clear_button.setAccessibleName(self.tr("Clear the purchase list"))
        self.clear_button.clicked.connect(self.confirm_clear)

        self.tree = QTreeWidget(objectName="purchaseTree")
        self.tree.setAccessibleName(self.tr("Stalls and lines in walking order"))
        self.tree.setHeaderLabels([
            self.tr("Stall / listing"), self.tr("Note"), self.tr("Price"), self.tr("Qty"),
            self.tr("Subtotal"), self.tr("Min. order"), self.tr("Cheaper stall"),
        ])
        self.tree.setIconSize(QSize(PICTURE_EDGE, PICTURE_EDGE))
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Col.Item, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.placeholder = QLabel(self.tr(
            "The purchase list is empty. Right-click a result, a compared stall or a saved "
            "result and choose “Add to purchase list”."), objectName="purchasePlaceholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)

        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        for widget in (self.copy_button, self.export_button, self.remove_button,
                       self.clear_button):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.tree, 1)
        self._show(None, {})

    # --- public ------------------------------------------------------------------------------

    def tab_title(self, count: int) -> str:
        return self.tr("Purchase list (%1)").replace("%1", str(count)) if count else self.tr(
            "Purchase list")

    def refresh(self) -> None:
        """Read the list (and its pictures) on the storage pool, then show it."""
        self._generation += 1
        generation = self._generation
        purchases = self.services.purchase_list

        def work(cancel: Any, progress: Any) -> tuple[PurchasePlan, dict[int, QImage]]:
            plan = purchases.plan()
            images = {}
            for line_id, data in purchases.pictures().items():
                image = load_scaled(data, PICTURE_EDGE)
                if image is not None:
                    images[line_id] = image
            return plan, images

        def done(result: Any, error: Any) -> None:
            if generation != self._generation:
                return
            if error is not None:
                self._error(error)
                return
            self._show(*result)

        self.pools.start(self.pools.storage, work, done, name="purchase-load")

    def add_offer(self, offer: Offer, group: StyleGroup | Sequence[Offer] | None = None, *,
                  quantity: int = 1, note: str = "", source: str = "",
                  search_id: int | None = None, pictures: dict[str, str] | None = None) -> None:
        """Add a listing (from live results, a saved search or the compare view)."""
        purchases = self.services.purchase_list
        members = list(group.offers) if isinstance(group, StyleGroup) else list(group or [])

        def work(cancel: Any, progress: Any) -> int:
            return purchases.add(offer, quantity=quantity, note=note, group=members,
                                 source=source, search_id=search_id, pictures=pictures)

        def done(_line_id: Any, error: Any) -> None:
            if error is not None:
                self._error(error)
                return
            self.statusMessage.emit(
                self.tr("Added to the purchase list: %1").replace("%1", line_label(offer)),
                False)
            self.refresh()

        self.pools.start(self.pools.storage, work, done, name="purchase-add")

    def set_quantity(self, line_id: int, quantity: int) -> None:
        self._change(lambda p: p.set_quantity(line_id, quantity), "purchase-qty")

    def set_note(self, line_id: int, note: str) -> None:
        self._change(lambda p: p.set_note(line_id, note), "purchase-note")

    def swap(self, line_id: int, offer_key: str) -> None:
        self._change(lambda p: p.swap(line_id, offer_key), "purchase-swap",
                     self.tr("Swapped to the cheaper stall."))

    def remove_line(self, line_id: int) -> None:
        self._change(lambda p: p.remove(line_id), "purchase-remove")

    def clear(self) -> None:
        self._change(lambda p: p.clear(), "purchase-clear")

    def export_to(self, path: Path) -> None:
        purchases = self.services.purchase_list
        lang = language()

        def work(cancel: Any, progress: Any) -> str:
            return purchases.export(path, language=lang)

        def done(_kind: Any, error: Any) -> None:
            if error is not None:
                self._error(error)
                return
            self.statusMessage.emit(self.tr("Purchase list written to %1").replace(
                "%1", str(path)), False)

        self.pools.start(self.pools.storage, work, done, name="purchase-export")

    def text_for(self, section_index: int | None) -> str:
        """The message text of one stall (or of every stall), in the UI's language."""
        if self.plan is None:
            return ""
        zh = language().startswith("zh")
        if section_index is None:
            return plan_text(self.plan, zh=zh)
        return stall_text(self.plan.sections[section_index], zh=zh)

    def copy_text(self, section_index: int | None) -> None:
        text = self.text_for(section_index)
        if not text:
            return
        QGuiApplication.clipboard().setText(text)
        self.statusMessage.emit(self.tr("Copied to the clipboard."), False)

    # --- user actions ------------------------------------------------------------------------

    def export_dialog(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export the purchase list"), self.tr("purchase-list") + ".xlsx",
            self.tr("Excel with pictures (*.xlsx);;Route sheet for the phone (*.html);;"
                    "Text per stall (*.txt)"))
        if path:
            self.export_to(Path(path))

    def copy_selected(self) -> None:
        item = self.tree.currentItem()
        self.copy_text(self._section_of(item) if item is not None else None)

    def remove_selected(self) -> None:
        item = self.tree.currentItem()
        line_id = item.data(0, LINE_ROLE) if item is not None else None
        if line_id is not None:
            self.remove_line(int(line_id))

    def confirm_clear(self) -> None:
        if self.plan is None or not self.plan.line_count:
            return
        answer = QMessageBox.question(
            self, self.tr("Clear list"), self.tr("Remove every line from the purchase list?"))
        if answer == QMessageBox.StandardButton.Yes:
            self.clear()

    def edit_note(self, line_id: int) -> None:
        planned = self.plan.find(line_id) if self.plan else None
        if planned is None:
            return
        text, ok = QInputDialog.getText(self, self.tr("Note"), self.tr(
            "Colour, size …"), text=planned.line.note)
        if ok:
            self.set_note(line_id, text)

    def context_menu_for(self, item: QTreeWidgetItem) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("purchaseContextMenu")
        section = self._section_of(item)
        line_id = item.data(0, LINE_ROLE)
        if line_id is not None:
            note = menu.addAction(self.tr("Note…"))
            note.setObjectName("purchaseNote")
            note.triggered.connect(lambda: self.edit_note(int(line_id)))
            planned = self.plan.find(int(line_id)) if self.plan else None
            if planned is not None and planned.cheaper is not None:
                swap = menu.addAction(self.tr("Swap to the cheaper stall"))
                swap.setObjectName("purchaseSwap")
                key = planned.cheaper.offer.key
                swap.triggered.connect(lambda: self.swap(int(line_id), key))
            remove = menu.addAction(self.tr("Remove"))
            remove.setObjectName("purchaseRemoveLine")
            remove.triggered.connect(lambda: self.remove_line(int(line_id)))
            menu.addSeparator()
        copy = menu.addAction(self.tr("Copy this stall for messaging"))
        copy.setObjectName("purchaseCopyStall")
        copy.triggered.connect(lambda: self.copy_text(section))
        return menu

    def _context_menu(self, pos: Any) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        menu = self.context_menu_for(item)
        menu.exec(self.tree.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def _double_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        line_id = item.data(0, LINE_ROLE)
        if line_id is not None and column == Col.Note:
            self.edit_note(int(line_id))

    # --- internals ---------------------------------------------------------------------------

    def _change(self, fn: Callable[[Any], Any], name: str, done_text: str = "") -> None:
        purchases = self.services.purchase_list

        def work(cancel: Any, progress: Any) -> Any:
            return fn(purchases)

        def done(_result: Any, error: Any) -> None:
            if error is not None:
                self._error(error)
            elif done_text:
                self.statusMessage.emit(done_text, False)
            self.refresh()

        self.pools.start(self.pools.storage, work, done, name=name)

    def _error(self, error: BaseException) -> None:
        self.statusMessage.emit(error_text(
            error, "purchase list",
            fallback=self.tr("The purchase list could not be changed ({kind}).")), True)

    def _line_items(self) -> list[QTreeWidgetItem]:
        heads = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        return [head.child(j) for head in heads for j in range(head.childCount())]

    def _section_of(self, item: QTreeWidgetItem | None) -> int | None:
        while item is not None and item.data(0, SECTION_ROLE) is None:
            item = item.parent()
        return None if item is None else int(item.data(0, SECTION_ROLE))

    def _show(self, plan: PurchasePlan | None, images: dict[int, QImage]) -> None:
        current = self.tree.currentItem()
        keep = current.data(0, LINE_ROLE) if current is not None else None
        self.plan = plan
        self.tree.clear()
        count = plan.line_count if plan else 0
        self.placeholder.setVisible(count == 0)
        self.tree.setVisible(count > 0)
        for button in (self.export_button, self.copy_button, self.remove_button,
                       self.clear_button):
            button.setEnabled(count > 0)
        if plan is None or not count:
            self.summary.setText("")
        else:
            self.summary.setText(self._summary_text(plan))
            for index, section in enumerate(plan.sections):
                self._add_section(index, section, images)
            self.tree.expandAll()
            again = next((it for it in self._line_items() if it.data(0, LINE_ROLE) == keep),
                         None)
            if again is not None:  # the line being edited stays selected
                self.tree.setCurrentItem(again)
        self.countChanged.emit(count)
        self.planShown.emit()

    def _summary_text(self, plan: PurchasePlan) -> str:
        text = self.tr("%1 stalls · %2 lines · %3 pieces · total ¥%4").replace(
            "%1", str(len(plan.sections))).replace("%2", str(plan.line_count)).replace(
            "%3", str(plan.quantity)).replace("%4", money(plan.total) or "0.00")
        if plan.below_moq_count:
            text += " · " + self.tr("%1 below the minimum order").replace(
                "%1", str(plan.below_moq_count))
        if plan.possible_saving:
            text += " · " + self.tr("cheaper stalls could save ¥%1").replace(
                "%1", money(plan.possible_saving) or "")
        return text

    def _add_section(self, index: int, section: StallSection,
                     images: dict[int, QImage]) -> None:
        head = QTreeWidgetItem(self.tree)
        head.setData(0, SECTION_ROLE, index)
        where = " · ".join(x for x in (section.market, section.position) if x)
        stall = section.stall or self.tr("(unknown stall)")
        text = f"{index + 1}. {stall}" + (f" · {where}" if where else "")
        if section.credit_level:
            text += " · " + self.tr("credit %1").replace("%1", section.credit_level)
        if section.mixed:
            text += " · " + self.tr("mixing allowed")
        head.setText(Col.Item, text)
        head.setText(Col.Qty, str(section.quantity))
        head.setText(Col.Subtotal, f"¥{money(section.total)}")
        font = head.font(Col.Item)
        font.setBold(True)
        for col in range(7):
            head.setFont(col, font)
            head.setBackground(col, QColor("#fff4ec"))
        head.setFirstColumnSpanned(False)
        if section.below_moq:
            head.setText(Col.Moq, self.tr("below minimum"))
            head.setForeground(Col.Moq, Qt.GlobalColor.red)
        for planned in section.lines:
            self._add_line(head, planned, images)

    def _add_line(self, head: QTreeWidgetItem, planned: PlannedLine,
                  images: dict[int, QImage]) -> None:
        line = planned.line
        o = line.offer
        item = QTreeWidgetItem(head)
        item.setData(0, LINE_ROLE, line.id)
        item.setSizeHint(Col.Item, QSize(PICTURE_EDGE * 4, PICTURE_EDGE + 6))
        image = images.get(line.id)
        if image is not None:
            item.setIcon(Col.Item, QIcon(QPixmap.fromImage(image)))
        item.setText(Col.Item, line_label(o, 80))
        item.setToolTip(Col.Item, o.title)
        item.setText(Col.Note, line.note)
        item.setText(Col.Price, f"¥{money(o.price)}" if o.price is not None else "—")
        item.setText(Col.Subtotal, f"¥{money(line.subtotal)}" if line.subtotal is not None
                     else "—")
        if planned.moq is not None:
            item.setText(Col.Moq, str(planned.moq))
        if planned.below_moq:
            item.setForeground(Col.Moq, Qt.GlobalColor.red)
            item.setToolTip(Col.Moq, self.tr("Below the minimum order of %1").replace(
                "%1", str(planned.moq)))
        spin = QSpinBox(objectName=f"purchaseQty{line.id}")
        spin.setAccessibleName(self.tr("Quantity"))
        spin.setRange(1, MAX_QUANTITY)
        spin.setValue(line.quantity)
        spin.setKeyboardTracking(False)
        line_id = line.id
        spin.valueChanged.connect(lambda value: self.set_quantity(line_id, int(value)))
        self.tree.setItemWidget(item, Col.Qty, _centred(spin))
        if planned.cheaper is not None:
            c = planned.cheaper
            button = QPushButton(objectName=f"purchaseSwap{line.id}")
            button.setText(self.tr("%1 ¥%2 · save ¥%3").replace(
                "%1", c.offer.stall.name or c.offer.stall.position).replace(
                "%2", money(c.offer.price) or "").replace("%3", money(c.saving) or ""))
            button.setToolTip(self.tr(
                "Same style at %1 (%2), credit %3: swap this line to that stall").replace(
                "%1", c.offer.stall.name).replace("%2", c.offer.stall.position).replace(
                "%3", c.offer.stall.credit_level or "?"))
            button.setAccessibleName(self.tr("Swap to the cheaper stall"))
            key = c.offer.key
            button.clicked.connect(lambda: self.swap(line_id, key))
            self.tree.setItemWidget(item, Col.Cheaper, _centred(button))


def _centred(widget: QWidget) -> QWidget:
    """`widget` at its natural height, centred in a tall picture row."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(2, 0, 2, 0)
    layout.addStretch(1)
    layout.addWidget(widget)
    layout.addStretch(1)
    return box
