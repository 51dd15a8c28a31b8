"""What every HTTP adapter does the same way: take a permit, send, bound, count."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import requests

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import (
    BadResponse,
    Both,
    ConfigError,
    DownloadTooLarge,
    MissingCredentials,
    VvicError,
)
from vvic_desktop.core.models import Filters, PreparedImage
from vvic_desktop.markets import http
from vvic_desktop.markets.base import (
    FIRST_PAGE,
    Acquire,
    Credentials,
    MarketAnswer,
    PageRequest,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = 5.0
    read: float = 15.0
    deadline: float = 30.0  # total per request, body included
    max_bytes: int = 8 * http.MIB


class SearchCall:
    """One search's bookkeeping: API requests sent (each after its own permit), and the page
    asked for."""

    __slots__ = ("acquire", "api_calls", "cancel", "page")

    def __init__(self, cancel: CancelToken, acquire: Acquire,
                 page: PageRequest = FIRST_PAGE) -> None:
        self.cancel, self.acquire, self.api_calls, self.page = cancel, acquire, 0, page


class HttpAdapter:
    """Base of the marketplace adapters (vvic, taobao, onebound, 1688)."""

    name: ClassVar[str] = ""
    display: ClassVar[str] = ""
    pages: ClassVar[bool] = True  # the service's search takes a page number ("load more")

    def __init__(
        self,
        credentials: Credentials | None,
        base_url: str,
        session: requests.Session | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        if credentials is None or not credentials.app_key or not credentials.app_secret:
            raise MissingCredentials("no app key/secret", market=self.display or self.name)
        self.credentials = credentials
        http.register_secret(credentials.app_secret)
        http.register_secret(credentials.session)
        self.base_url = base_url.rstrip("/")
        self.session = session if session is not None else http.make_session()
        self.timeouts = timeouts or Timeouts()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={http.redact(self.base_url)!r}, app_key=" \
               f"{self.credentials.app_key!r})"

    def search(
        self, image: PreparedImage, filters: Filters, cancel: CancelToken, acquire: Acquire,
        page: PageRequest = FIRST_PAGE,
    ) -> MarketAnswer:
        """Marketplace.search: every error leaves with its texts redacted."""
        if page.number < 1 or (page.number > 1 and not self.pages):
            raise ConfigError(f"{self.market_label} has no page {page.number} to ask for")
        try:
            return self._search(image, filters, SearchCall(cancel, acquire, page))
        except VvicError as error:
            raise http.sanitize_error(error) from None

    def _search(self, image: PreparedImage, filters: Filters, call: SearchCall) -> MarketAnswer:
        raise NotImplementedError

    @property
    def market_label(self) -> str:
        return self.display or self.name

    def send(
        self,
        call: SearchCall,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        api: bool = True,
    ) -> http.HttpResponse:
        """Take a limiter permit (for API calls) and send one request."""
        call.cancel.raise_if_cancelled()
        if api:
            call.acquire(call.cancel)
            call.api_calls += 1
        try:
            return http.request(
                self.session, method, url, params=params, data=data, json=json,
                connect_timeout=self.timeouts.connect, read_timeout=self.timeouts.read,
                deadline=self.timeouts.deadline, max_bytes=self.timeouts.max_bytes,
                cancel=call.cancel,
            )
        except DownloadTooLarge as exc:
            # For an API answer "too large" means a broken or hostile server, not the user's file.
            limit = exc.fields.get("limit_mb", "?")
            raise BadResponse(exc.detail, market=self.market_label,
                              reason=Both(f"回答超过 {limit} MB", f"answer larger than {limit} MB")
                              ) from None
