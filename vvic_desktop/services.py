"""What a search needs, built once per run and shared by the GUI and the CLI (no Qt).

`SearchServices` owns the settings, the quota limiter, the result cache, the thumbnail store
and, in demo mode, the in-process sandbox marketplace with its demo credentials. Its `search`
is `core.pipeline.run_search` with everything filled in, so that the GUI worker, the CLI and
batch all take the same code path.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import ipaddress
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from vvic_desktop.core import errors
from vvic_desktop.core.batch import (
    BatchBackend,
    BatchItem,
    BatchRunner,
    ignore_events,
    workers_for,
)
from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.marketplace import ThumbnailFetcher
from vvic_desktop.core.models import Offer, PreparedImage, SearchQuery, SearchResult, StyleGroup
from vvic_desktop.core.pipeline import (
    CachePlan,
    Progress,
    QuotaPlan,
    SearchEnvironment,
    run_search,
)
from vvic_desktop.core.ratelimit import QuotaLimiter
from vvic_desktop.markets.base import Credentials
from vvic_desktop.markets.local import LocalMarket
from vvic_desktop.paths import AppPaths
from vvic_desktop.storage.batch_queue import BatchQueue
from vvic_desktop.storage.cache import ResultCache
from vvic_desktop.storage.db import Database
from vvic_desktop.storage.library import Library
from vvic_desktop.storage.quota_log import QuotaLog
from vvic_desktop.storage.settings import (
    ALLOW_LAN_IMAGES,
    LIBRARY_MAX_UNNAMED,
    NETWORK_PROXY,
    ONEBOUND_LANG,
    QUOTA_SAFETY_MARGIN,
    Settings,
)
from vvic_desktop.storage.thumbs import ThumbnailDownloader, ThumbnailStore, thumbnails_from

if TYPE_CHECKING:
    from vvic_desktop.storage.local_catalog import LocalCatalog
    from vvic_desktop.storage.purchase import PurchaseList

log = logging.getLogger(__name__)

DEMO_MARKET = "vvic"  # what the demo marketplace serves
DEMO_LABEL = "demo"  # the market a demo result is saved and exported as
# The demo's simulated network delay: short and visible, so a first try feels quick.
DEMO_HOST = "127.0.0.1"  # the demo sandbox listens on loopback only
DEMO_LATENCY = (0.3, 0.8)
LOCAL_MARKET = LocalMarket.name


@dataclass(slots=True)
class Target:
    """Where one search goes: a market, the AppKey, the base URL and its kind."""

    market: str
    credentials: Credentials
    endpoint: str | None  # None: the market's production URL
    loopback: bool  # item pictures come from a local server (sandbox, tests)


class CredentialsNotSet(errors.MissingCredentials):
    """MissingCredentials that tells the user the ways to set them."""

    zh = (
        "还没有配置 {market} 的 AppKey。请在“设置”中填写，或运行 "
        "`vvic config set-credentials {market} --app-key KEY`，或设置环境变量 {key_var} 和 "
        "{secret_var}；也可以先用演示市场（--demo）试用。"
    )
    en = (
        "No AppKey is set for {market}. Enter one in Settings, run "
        "`vvic config set-credentials {market} --app-key KEY`, or set {key_var} and "
        "{secret_var}; or try the demo marketplace (--demo) first."
    )


def quota_key(target: Target) -> str:
    """The quota belongs to the AppKey at one service: a sandbox has its own."""
    key = f"{target.market}:{target.credentials.app_key}"
    return f"{key}@{target.endpoint}" if target.endpoint else key


def is_loopback(url: str | None) -> bool:
    if not url:
        return False
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class DemoMarketplace:
    """The built-in sandbox marketplace on a free loopback port, with its demo AppKeys.

    `background=True` starts it on a thread when `start()` is called (the app: once the
    window has shown, so drawing the demo catalog does not compete with building it), or
    at the latest when first needed; `url` and `credentials` wait until it listens."""

    def __init__(self, latency: tuple[float, float] = DEMO_LATENCY, server: Any = None, *,
                 background: bool = False) -> None:
        """Start a sandbox with a short, visible latency, or use a running `server`."""
        self._owns_server = server is None
        self._ready = threading.Event()
        self._started = threading.Lock()  # held once the start is under way (or not needed)
        self._latency = latency
        self._error: BaseException | None = None
        self._credentials: dict[str, Any] = {}
        self.server: Any = server
        if server is not None:
            self._started.acquire()
            self._load_credentials()
            self._ready.set()
        elif not background:
            self._started.acquire()
            self._start(latency)
            self._check()

    def start(self) -> None:
        """Start the background sandbox on its thread; once (later calls do nothing)."""
        if self._started.acquire(blocking=False):
            threading.Thread(target=self._start, args=(self._latency,),
                             name="demo-marketplace", daemon=True).start()

    def _load_credentials(self) -> None:
        from vvic_desktop.sandbox.server import DEMO_CREDENTIALS

        self._credentials = dict(DEMO_CREDENTIALS)

    def _start(self, latency: tuple[float, float]) -> None:
        try:
            from vvic_desktop.sandbox.server import SandboxServer

            self._load_credentials()
            server = SandboxServer(host=DEMO_HOST, port=0, latency=latency)
            server.start()
            self.server = server
        except BaseException as exc:  # reported to whoever first needs the demo
            log.warning("demo marketplace did not start: %r", exc)
            self._error = exc
        finally:
            self._ready.set()

    def _check(self) -> None:
        self.start()  # needed before the app got to start it
        self._ready.wait()
        if self._error is not None:
            raise errors.ConfigError(f"the demo marketplace did not start: {self._error!r}")

    @property
    def url(self) -> str:
        self._check()
        return str(self.server.url)

    @property
    def host_url(self) -> str:
        """The sandbox's scheme and host, never waiting for ours to listen (it is always on
        DEMO_HOST): enough for the picture policy the window builds at start-up."""
        return f"http://{DEMO_HOST}" if self._owns_server else self.url

    def credentials(self, market: str) -> Credentials:
        """The demo AppKey of `market` (or of the "vvic-open" account), with the demo access
        token where the market's calls carry one (1688)."""
        from vvic_desktop.sandbox.server import DEMO_TOKENS

        self._check()
        key = {"onebound-vvic": "onebound", "onebound-taobao": "onebound"}.get(market, market)
        app_key, app_secret = self._credentials[key]
        return Credentials(app_key=app_key, app_secret=app_secret,
                           session=DEMO_TOKENS.get(key, ""))

    def close(self) -> None:
        if not self._started.acquire(blocking=False):
            self._ready.wait()  # under way: wait for it, then stop it
        else:
            self._error = RuntimeError("closed before it started")  # and it never will
            self._ready.set()
        if self._owns_server and self.server is not None:
            self.server.stop()


PartialResults = Callable[[list[StyleGroup], int, int], None]


def _with_partial(downloader: ThumbnailDownloader, partial: PartialResults | None,
                  strictness: float) -> ThumbnailFetcher:
    """The pipeline's picture hook, telling `partial` about the offers first: grouped on
    titles and prices at once (every card can show, with a placeholder picture), then
    regrouped with the pictures in when half of them are (a partial map from the store)."""
    fetch = thumbnails_from(downloader)
    if partial is None:
        return fetch
    from vvic_desktop.core.grouping import group_offers  # numpy, cv2, PIL
    from vvic_desktop.core.grouping_rules import GroupingSettings

    settings = GroupingSettings(strictness=strictness)

    def with_partial(offers: list[Offer], cancel: CancelToken,
                     progress: Callable[[int, int], None]) -> Mapping[str, object]:
        partial(group_offers(offers, None, settings=settings), 0, len(offers))
        halfway = max(2, len(offers) // 2)
        told = False

        def step(done: int, total: int) -> None:
            nonlocal told
            progress(done, total)
            if not told and done >= halfway and done < total:
                told = True
                store = downloader.store
                images: dict[str, object] = {}
                for o in offers:
                    sha = store.sha_for_url(o.image_url) if o.image_url else None
                    if sha:
                        images[o.key] = store.path_for(sha)
                partial(group_offers(offers, images, feature_store=store,  # type: ignore[arg-type]
                                     settings=settings), done, total)

        return fetch(offers, cancel, step)

    return with_partial


class SearchServices:
    """What a search needs. Build it with `SearchServices.open(...)`: the one composition root
    (paths → settings → demo sandbox → services) the app, every CLI command and the tests use."""

    def __init__(
        self, paths: AppPaths, settings: Settings, *, demo: DemoMarketplace | None = None,
        language: str | None = None,
    ) -> None:
        self.paths = paths.ensure()
        self.settings = settings
        self.demo = demo
        self.language = language  # the caller's explicit choice (--lang), if any
        self._lock = threading.Lock()
        self._limiter: QuotaLimiter | None = None
        self._cache: ResultCache | None = None
        # The time searches and batches go by (quota penalties, Retry-After waits, a paused
        # batch's resume time); tests put a virtual clock here so nothing waits for real.
        self.clock: Callable[[], float] = time.time
        self.sleep: Callable[[float], None] | None = None  # None: the cancel token's sleep

    @classmethod
    def open(
        cls,
        data_dir: str | os.PathLike[str] | AppPaths | None = None,
        *,
        demo: bool = False,
        sandbox: Any = None,
        demo_background: bool = False,
        demo_latency: tuple[float, float] = DEMO_LATENCY,
        language: str | None = None,
        settings: Settings | None = None,
    ) -> SearchServices:
        """Paths (`data_dir`, else $VVIC_DESKTOP_DATA_DIR, else the platform's folders) →
        settings (the settings file, unless `settings` is given) → the demo marketplace
        (`demo`: a sandbox of our own, started on a thread with `demo_background`; `sandbox`:
        a running one, tests) → services.
        `language` ("zh_CN"/"en"), when given, is the language of every message from here on."""
        paths = data_dir if isinstance(data_dir, AppPaths) else AppPaths.resolve(data_dir)
        paths.ensure()
        if settings is None:
            settings = Settings.load(paths.settings_file)
        if language:
            errors.set_language(language)
        marketplace = None
        if sandbox is not None:
            marketplace = DemoMarketplace(server=sandbox)
        elif demo:
            marketplace = DemoMarketplace(latency=demo_latency, background=demo_background)
        return cls(paths, settings, demo=marketplace, language=language or None)

    def __enter__(self) -> SearchServices:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # The quota log and the result cache are opened on first use: `vvic config` and
    # `vvic library` never touch them, and a window shows before they exist.
    @property
    def limiter(self) -> QuotaLimiter:
        with self._lock:
            if self._limiter is None:
                self._limiter = QuotaLimiter(
                    QuotaLog(self.paths.data / "quota.sqlite3"),
                    margin=self.settings.value(QUOTA_SAFETY_MARGIN),
                )
            return self._limiter

    @limiter.setter
    def limiter(self, value: QuotaLimiter) -> None:
        self._limiter = value

    @property
    def cache(self) -> ResultCache:
        with self._lock:
            if self._cache is None:
                self._cache = ResultCache(
                    self.paths.cache / "results.sqlite3", self.settings.cache_ttl_seconds
                )
            return self._cache

    @cache.setter
    def cache(self, value: ResultCache) -> None:
        self._cache = value

    @functools.cached_property
    def thumbnail_store(self) -> ThumbnailStore:
        return ThumbnailStore(self.paths.thumbnails)

    def target(self, market: str, endpoint: str | None = None) -> Target:
        if self.demo is not None:
            if endpoint:
                raise errors.ConfigError("the demo marketplace and an endpoint exclude each other")
            return Target(market, self.demo.credentials(market), self.demo.url, loopback=True)
        from vvic_desktop.storage import secrets  # keyring and the adapters: on first use

        credentials = secrets.load(market)
        if credentials is None:
            key_var, secret_var = secrets.env_var_names(market)
            raise CredentialsNotSet(
                "no credentials in keyring or environment",
                market=market,
                key_var=key_var,
                secret_var=secret_var,
            )
        endpoint = endpoint or self.settings.base_url_for(market) or None
        return Target(market, credentials, endpoint, loopback=is_loopback(endpoint))

    def market_options(self, market: str) -> dict[str, Any]:
        """What an adapter needs besides its AppKey: OneBound's `lang` (the setting, else the
        UI language's), and for vvic the open platform's own credentials with the shared
        detail cache (none configured: no enrichment, nothing asked). The demo skips the
        enrichment: its V2.2 answers carry market and stall already, and a second call per
        search would halve what a newcomer can try in a minute."""
        if market.startswith("onebound"):
            from vvic_desktop.markets.onebound import lang_for

            return {"lang": lang_for(self.settings.value(ONEBOUND_LANG), errors.language())}
        if market == "vvic" and self.demo is None:
            from vvic_desktop.storage import secrets

            open_credentials = secrets.load(secrets.VVIC_OPEN)
            if open_credentials is not None:
                return {"open_credentials": open_credentials, "detail_cache": self.vvic_details}
        return {}

    @functools.cached_property
    def vvic_details(self) -> Any:
        """VVIC open-platform item details, shared by every vvic search of this run."""
        from vvic_desktop.markets.vvic import DetailCache

        return DetailCache()

    def picture_policy(self, endpoint: str | None) -> Any:
        """Which private hosts pictures may come from, for a search against `endpoint`: the
        one decision (`core.intake.address_policy`) every picture fetch uses."""
        from vvic_desktop.core.intake import address_policy

        if endpoint is None and self.demo is not None:
            endpoint = self.demo.host_url  # the window's: never waits for the sandbox
        return address_policy(endpoint, allow_lan=bool(self.settings.value(ALLOW_LAN_IMAGES)))

    def picture_downloader(self) -> ThumbnailDownloader:
        """For pictures the pipeline did not fetch (the GUI's lazy thumbnails)."""
        return ThumbnailDownloader(self.thumbnail_store, policy=self.picture_policy(None))

    def downloader(self, target: Target) -> ThumbnailDownloader:
        """A search's picture downloader: each picture is analysed for grouping as it
        arrives (`core.pictures.analyse_on_arrival`), so grouping after the last download
        reads what is stored instead of decoding every picture then."""
        store = self.thumbnail_store

        def analyse(data: bytes) -> None:
            from vvic_desktop.core.pictures import analyse_on_arrival  # numpy, cv2: a worker's

            analyse_on_arrival(data, store)

        return ThumbnailDownloader(store, policy=self.picture_policy(target.endpoint),
                                   on_arrival=analyse)

    def environment(self) -> SearchEnvironment:
        """How this run's searches behave: the retry policy, the network policy as the settings
        say now (the settings dialog changes them while the app runs) and the services' clock."""
        return SearchEnvironment(
            allow_lan_images=bool(self.settings.value(ALLOW_LAN_IMAGES)),
            clock=self.clock,
            sleep=self.sleep,
        )

    def search(
        self,
        query: SearchQuery,
        *,
        cancel: CancelToken,
        progress: Progress,
        endpoint: str | None = None,
        use_cache: bool = True,
        prepared: PreparedImage | None = None,
        partial: PartialResults | None = None,
        more_of: SearchResult | None = None,
    ) -> SearchResult:
        """One search; `prepared` skips preparing the photo again (batch, search again).
        `more_of` ("load more") asks for the next page of that result's search instead: the
        new listings join its offers, grouped again (core.pipeline.run_search).
        `partial(groups, pictures_done, pictures_total)` (the GUI's "results as they arrive")
        gets provisional groups as soon as the answer is parsed, before any listing picture,
        and once more, regrouped, when half the pictures are in; the result is the final
        grouping."""
        if more_of is not None:
            query = dataclasses.replace(more_of.query, market=self.result_market(more_of))
            more_of = dataclasses.replace(more_of, query=query)
        if query.market == LOCAL_MARKET:
            return self._search_local(query, cancel=cancel, progress=progress, prepared=prepared,
                                      partial=partial, more_of=more_of)
        from vvic_desktop.core.net import make_session
        from vvic_desktop.markets.registry import create_market

        target = self.target(query.market, endpoint)
        proxy = self.settings.value(NETWORK_PROXY)
        session = make_session({"http": proxy, "https": proxy}) if proxy else None
        market = create_market(
            target.market,
            credentials=target.credentials,
            endpoint=target.endpoint,
            session=session,
            **self.market_options(target.market),
        )
        return run_search(
            query,
            market,
            cancel=cancel,
            progress=progress,
            quota=QuotaPlan(self.limiter, quota_key(target),
                            self.settings.quota_for(target.market)),
            cache=CachePlan(self.cache, endpoint=target.endpoint or "", read=use_cache),
            thumbnails=_with_partial(self.downloader(target), partial, query.filters.strictness),
            prepared=prepared,
            env=self.environment(),
            more_of=more_of,
        )

    def _search_local(
        self, query: SearchQuery, *, cancel: CancelToken, progress: Progress,
        prepared: PreparedImage | None = None, partial: PartialResults | None = None,
        more_of: SearchResult | None = None,
    ) -> SearchResult:
        """The local catalog: no key, no quota, no network, no result cache (it grows)."""
        return run_search(
            query,
            LocalMarket(self.local_catalog),
            cancel=cancel,
            progress=progress,
            quota=None,
            cache=None,
            thumbnails=_with_partial(self.picture_downloader(), partial,
                                     query.filters.strictness),
            prepared=prepared,
            env=self.environment(),
            more_of=more_of,
        )

    @functools.cached_property
    def local_catalog(self) -> LocalCatalog:
        from vvic_desktop.storage.local_catalog import LocalCatalog  # numpy: load on first use

        return LocalCatalog(self.database, self.thumbnail_store)

    @functools.cached_property
    def database(self) -> Database:
        """The library file, opened (checked, migrated) on first use."""
        db = Database(self.paths.database)
        if db.notice is not None:
            log.warning("library: %s", db.notice.detail)
        return db

    @functools.cached_property
    def library(self) -> Library:
        library = Library(
            self.database, self.thumbnail_store,
            max_unnamed=self.settings.value(LIBRARY_MAX_UNNAMED),
        )
        # a saved search's pictures enter the local catalog at once: embedded here (on the
        # caller's thread: the GUI saves on its storage worker), never at query time
        def add_to_catalog(search_id: int) -> None:
            self.local_catalog.add_search(search_id)

        library.saved_listeners.append(add_to_catalog)
        return library

    @functools.cached_property
    def purchase_list(self) -> PurchaseList:
        """The purchase list (进货单) in the library database."""
        from vvic_desktop.storage.purchase import PurchaseList

        return PurchaseList(self.database, self.thumbnail_store)

    def save_search(
        self,
        result: SearchResult,
        *,
        name: str | None = None,
        notes: str = "",
        tags: Iterable[str] = (),
        endpoint: str | None = None,
        cancel: CancelToken | None = None,
    ) -> int:
        """Keep `result` in the library, complete: pictures not yet stored are fetched first.

        Raises StorageError (DiskFull, LibraryReadOnly, NameTaken…) with the user's message;
        the result itself is unaffected, so the caller keeps showing it.
        """
        self._fetch_missing_pictures(result, endpoint, cancel)
        if endpoint is None and self.demo is not None:
            endpoint = self.demo.host_url  # the window's: never waits for the sandbox
        result = self.as_demo(result)
        if name is None and not notes and not tags:
            repeated = self.library.find_repeat(result)
            if repeated is not None:  # the same search again: one entry, changes marked
                self.library.replace_result(repeated, result)
                return repeated
        return self.library.save(
            result, name=name, notes=notes, tags=tags, endpoint=endpoint or ""
        )

    def save_more(self, search_id: int, result: SearchResult, *, endpoint: str | None = None,
                  cancel: CancelToken | None = None) -> None:
        """A saved search after "load more": its entry takes the joined listings (their
        pictures fetched into the store first), its marks, changes and date kept."""
        self._fetch_missing_pictures(result, endpoint, cancel)
        self.library.replace_result(search_id, self.as_demo(result), appended=True)

    def _fetch_missing_pictures(self, result: SearchResult, endpoint: str | None,
                                cancel: CancelToken | None) -> None:
        urls = [o.image_url for o in result.offers if o.image_url]
        missing = [u for u in urls if not self.thumbnail_store.sha_for_url(u)]
        if missing:
            downloader = ThumbnailDownloader(self.thumbnail_store,
                                             policy=self.picture_policy(endpoint))
            downloader.fetch_all(missing, cancel=cancel)

    def saved_prepared(self, sha: str | None) -> PreparedImage | None:
        """The prepared photo a saved search was made with (the library keeps it), so that
        its next page ("load more") asks with the very same picture even when the original
        file is gone; None when it is not in the store."""
        jpeg = self.library.picture(sha)
        if not jpeg:
            return None
        from PIL import Image, UnidentifiedImageError  # a worker's import, not start-up's

        try:
            with Image.open(io.BytesIO(jpeg)) as image:
                width, height = image.size
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
            return None
        return PreparedImage(jpeg=jpeg, width=width, height=height,
                             sha256=hashlib.sha256(jpeg).hexdigest())

    def result_market(self, result: SearchResult) -> str:
        """The market a result was searched on: a demo search saved as "demo" (as_demo) was
        searched on its listings' market, which its next page ("load more") asks again."""
        market = result.query.market
        if market == DEMO_LABEL and self.demo is not None:
            markets = {o.market for o in result.offers}
            if len(markets) == 1:
                return markets.pop()
        return market

    def as_demo(self, result: SearchResult) -> SearchResult:
        """With the demo marketplace, `result` as saved and exported: its market is "demo",
        so a library entry, a CSV or a workbook never passes demo listings (and their
        127.0.0.1 links) off as VVIC's. Offers keep their own market (their keys)."""
        if self.demo is None or result.query.market == DEMO_LABEL:
            return result
        return dataclasses.replace(
            result, query=dataclasses.replace(result.query, market=DEMO_LABEL))

    @functools.cached_property
    def batch_queue(self) -> BatchQueue:
        return BatchQueue(self.database)

    def batch_runner(
        self,
        batch_id: int,
        *,
        cancel: CancelToken | None = None,
        on_event: Callable[[str, Any], None] | None = None,
        workers: int | None = None,
    ) -> BatchRunner:
        """A runner for one batch: searches through this services object (quota, cache,
        retry) and saves each result in the library, named and tagged by the batch."""
        queue = self.batch_queue
        info = queue.info(batch_id)
        endpoint = info.endpoint or None
        quota = self.settings.quota_for(info.market) or 60
        no_progress: Progress = lambda stage, percent: None  # noqa: E731

        def search(query: SearchQuery, prepared: PreparedImage, token: CancelToken
                   ) -> SearchResult:
            return self.search(query, cancel=token, progress=no_progress, endpoint=endpoint,
                               prepared=prepared)

        def save(result: SearchResult, item: BatchItem) -> int | None:
            name = f"{info.name} · {item.position + 1:03d} · {item.name}"
            try:
                self.library.resolve(name)
                name = f"{name} #{item.id}"
            except errors.SearchNotFound:
                pass
            try:
                return self.save_search(result, name=name, tags=[f"batch:{batch_id}"],
                                        endpoint=endpoint)
            except errors.StorageError as exc:  # the search is paid for: keep going
                log.warning("batch %s: result not saved: %s", batch_id, exc.detail)
                return None

        def calls_used() -> int:
            if info.market == LOCAL_MARKET:
                return 0
            return len(self.limiter.recent(quota_key(self.target(info.market, endpoint))))

        backend = BatchBackend(search=search, save=save, events=on_event or ignore_events,
                               calls_used=calls_used)
        return BatchRunner(
            queue, batch_id, backend,
            workers=workers or workers_for(quota), quota_per_minute=quota,
            cancel=cancel, clock=self.clock,
            lock_path=self.paths.data / "batch-locks" / f"{batch_id}.lock",
        )

    def export_batch(self, batch_id: int, path: Path, *, language: str | None = None) -> str:
        """The whole batch in one file: a section per photo, the best offer per style,
        pictures from the library's store (no network). Returns the format written."""
        from vvic_desktop.core.batch import DONE, SKIPPED
        from vvic_desktop.storage.export import export_sections

        library = self.library
        sections, pictures = [], {}
        for item in self.batch_queue.items(batch_id):
            if item.state not in (DONE, SKIPPED) or item.search_id is None:
                continue
            saved = library.get(item.search_id)
            sections.append(library.export_section(saved, title=item.name, best_only=True))
            pictures.update(saved.thumbnails)
        if not sections:
            raise errors.ConfigError("no finished photo to export yet")
        return export_sections(sections, path, lambda o: library.picture(pictures.get(o.key)),
                               language=language)

    def quota_left(self, market: str) -> tuple[int, int] | None:
        """(calls left in the current minute, per-minute quota) for the status bar."""
        if market == LOCAL_MARKET:
            return None
        try:
            target = self.target(market)
        except errors.VvicError:
            return None
        quota = self.settings.quota_for(market)
        used = len(self.limiter.recent(quota_key(target)))
        return max(0, quota - used), quota

    def close(self) -> None:
        if "database" in self.__dict__:
            self.database.close()
        with self._lock:
            limiter, cache = self._limiter, self._cache
        if limiter is not None:
            limiter.close()
        if cache is not None:
            cache.close()
        if self.demo is not None:
            self.demo.close()
            self.demo = None
