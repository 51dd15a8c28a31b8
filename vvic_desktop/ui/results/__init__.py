"""The results grid: model (core.result_rows adapter), card delegate, view, lazy thumbnails.

Typical wiring (main window):

    loader = ThumbnailLoader.for_store(pools, ThumbnailStore(paths.thumbnails), downloader)
    model = ResultsModel(loader, pools=pools)  # pools: large sets are flattened in a worker
    view = ResultsView(model, loader)          # objectName "resultsView"
    model.set_groups(result.groups)            # a new search; rowsRebuilt when shown
    model.set_sort("price"); model.set_filter(text="碎花", filters=Filters(...))
    view.compareRequested.connect(lambda group: compare.set_group(group))
    view.statusMessage.connect(status_bar.showMessage)

Sort keys (`UI_SORT_KEYS`): best, price, price_desc, stalls, sales, credit, similarity.
"""

from vvic_desktop.ui.results.delegate import CARD_SIZE, ResultsDelegate
from vvic_desktop.ui.results.model import UI_SORT_KEYS, ResultsModel, Roles, format_price
from vvic_desktop.ui.results.thumbnails import ThumbnailLoader, ThumbState
from vvic_desktop.ui.results.view import ResultsView

__all__ = [
    "CARD_SIZE",
    "UI_SORT_KEYS",
    "ResultsDelegate",
    "ResultsModel",
    "ResultsView",
    "Roles",
    "ThumbState",
    "ThumbnailLoader",
    "format_price",
]
