"""SearchServices keeps searches in the library, complete with pictures, and offline."""

from __future__ import annotations

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.models import SearchQuery
from vvic_desktop.services import SearchServices


def test_a_demo_search_is_saved_with_every_picture_and_opens_with_the_server_gone(
    sandbox, sandbox_catalog, data_dir
) -> None:
    catalog = sandbox_catalog
    photo = data_dir / "query.jpg"
    item = catalog.listings_of(catalog.styles[0].style_id)[0]
    photo.write_bytes(catalog.listing_image(item.item_id))
    services = SearchServices.open(sandbox=sandbox)
    result = services.search(SearchQuery(str(photo), "vvic"), cancel=CancelToken(),
                             progress=lambda *_: None)
    search_id = services.save_search(result, name="demo dress")
    sandbox.stop()  # the network is gone from here on
    services.close()

    offline = SearchServices.open()
    saved = offline.library.get("demo dress")
    assert saved.id == search_id
    assert saved.result.offers and len(saved.thumbnails) == len(saved.result.offers)
    assert offline.library.missing_pictures(search_id) == 0
    for offer in saved.result.offers:
        assert offline.library.picture(saved.thumbnails[offer.key])[:2] == b"\xff\xd8"
    offline.close()
