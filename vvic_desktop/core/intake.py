"""Safe loading of a photo from a path, bytes, a URL or the clipboard.

Everything a user can drop is hostile until proven otherwise: the type is sniffed from the
content (never the extension or the Content-Type), decoding is limited to an allow-list of
formats and to `MAX_IMAGE_PIXELS`, Pillow's bomb *warning* is an error, files that are not
regular files are never opened (a FIFO blocks forever), and URLs go through `fetch_url`
(http(s) only, no private hosts by default, every redirect re-checked, a byte cap and a total
deadline).

Nothing here decodes pixels: `open_image` returns a lazily-decoding PIL image so that
`prepare` can ask for a reduced-scale JPEG decode (`Image.draft`) before any pixel is read.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import socket
import stat
import time
import urllib.parse
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, UnidentifiedImageError

from vvic_desktop.core.cancel import CancelToken
from vvic_desktop.core.errors import (
    Both,
    Cancelled,
    DamagedImage,
    DownloadTooLarge,
    EmptyImage,
    FileMissing,
    FileUnreadable,
    HeifUnavailable,
    ImageTooLarge,
    NetworkError,
    NotAFile,
    PictureFileTooLarge,
    PictureUnavailable,
    Timeout,
    UnsupportedImage,
    UrlRefused,
    VectorImage,
)

if TYPE_CHECKING:  # requests loads urllib3, http.client, email: on the first fetch only
    import requests

# About 64 MP: a 48 MP phone photo passes, a crafted 20000×20000 header does not. Pillow only
# *warns* between this and twice this; `_open` turns the warning into ImageTooLarge.
MAX_IMAGE_PIXELS = 64_000_000
MAX_FILE_BYTES = 100 * 1024 * 1024  # a larger "photo" is not a photo
MAX_URL_BYTES = 20 * 1024 * 1024  # decoded body of a downloaded image
URL_DEADLINE_S = 20.0  # total time for one URL, redirects included
MAX_REDIRECTS = 3

Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
# The bomb *warning* is an error, process-wide and once: `warnings.catch_warnings` is not
# thread-safe (pictures decode on worker threads), a module-level filter is.
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

# Formats we decode; anything else is refused before a decoder runs (Pillow's own advice after
# bombs in rarely-used formats: open only the formats you need). AVIF is Pillow's own (13+);
# HEIC goes through pillow-heif.
PIL_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "HEIF", "AVIF")

try:  # HEIC/HEIF from iPhones. A missing plugin is a clear message, not an import error.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_AVAILABLE = True
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    HEIF_AVAILABLE = False

try:
    from PIL import features as _features

    AVIF_AVAILABLE = bool(_features.check("avif"))
except Exception:  # pragma: no cover - Pillow 13 wheels ship libavif
    AVIF_AVAILABLE = False


# --- sniffing ---------------------------------------------------------------------------

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_HEVC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"}
_AVIF_BRANDS = {b"avif", b"avis"}


def sniff(data: bytes) -> str | None:
    """The format of `data` from its first bytes: a Pillow format name, or None."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head.startswith(b"BM") and len(head) >= 26:
        return "BMP"
    if head[4:8] == b"ftyp":
        # The major brand, then the compatible brands: an AVIF may name "mif1" first.
        box = min(int.from_bytes(head[:4], "big"), len(head))
        brands = {head[8:12], *(head[k:k + 4] for k in range(16, box - 3, 4))}
        if brands & _AVIF_BRANDS and not brands & _HEVC_BRANDS:
            return "AVIF"
        if brands & _HEIF_BRANDS:
            return "HEIF"
    return None


def describe_non_image(data: bytes) -> tuple[str, bool]:
    """(what the bytes look like, is it a vector/document format) for the error message."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return "PDF", True
    if b"<svg" in head or (head.startswith(b"<?xml") and b"svg" in data[:4096].lower()):
        return "SVG", True
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in head:
        return "HTML", False
    if head.startswith((b"%!ps", b"\xc5\xd0\xd3\xc6")):
        return "PostScript", True
    if head.startswith((b"ii*\x00", b"mm\x00*")):
        return "TIFF", False
    if head.startswith(b"pk\x03\x04"):
        return "ZIP", False
    if data[4:8] == b"ftyp":
        return "MP4/MOV", False
    try:
        data[:256].decode("utf-8")
        return "TXT", False
    except UnicodeDecodeError:
        return "?", False


# --- opening --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenedImage:
    """A lazily-decoding image and what we know about its origin."""

    image: Image.Image
    format: str
    byte_size: int
    data: bytes | None = None  # the encoded bytes, when the image came from bytes or a file


def open_image(source: str | os.PathLike[str] | bytes | bytearray | Image.Image) -> OpenedImage:
    """Open a path, raw bytes or a PIL image without decoding its pixels yet."""
    if isinstance(source, Image.Image):
        _check_pixels(source.width, source.height)
        return OpenedImage(source, source.format or "PIL", 0)
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        data = read_file(source)
    return open_bytes(data)


def open_bytes(data: bytes) -> OpenedImage:
    if not data:
        raise EmptyImage("zero bytes")
    fmt = sniff(data)
    if fmt is None:
        kind, vector = describe_non_image(data)
        raise (VectorImage if vector else UnsupportedImage)(f"not an image: {kind}", kind=kind)
    if fmt == "HEIF" and not HEIF_AVAILABLE:  # pragma: no cover - dependency present in CI
        raise HeifUnavailable("pillow-heif missing")
    if fmt == "AVIF" and not AVIF_AVAILABLE:  # pragma: no cover - Pillow 13 wheels have it
        raise UnsupportedImage("Pillow built without AVIF", kind="AVIF")
    image = _open(data, fmt)
    return OpenedImage(image, fmt, len(data), data)


# Why a picture was unusable, per error code, for notes on a listing (the code comes back from
# a worker thread or the thumbnail store; the reader gets words in their language).
PICTURE_PROBLEMS: dict[str, Both] = {
    "missing": Both("没有图片", "no picture"),
    "empty_image": Both("文件是空的", "the file is empty"),
    "unsupported_image": Both("不是支持的图片格式", "not a supported picture format"),
    "vector_image": Both("是矢量图或文档", "a vector drawing or document"),
    "file_missing": Both("找不到文件", "file not found"),
    "not_a_file": Both("不是普通文件（文件夹、设备或管道）",
                       "not a regular file (a folder, device or pipe)"),
    "file_unreadable": Both("文件无法读取", "the file cannot be read"),
    "damaged_image": Both("图片已损坏或不完整", "damaged or incomplete"),
    "image_too_large": Both("尺寸过大，可能是恶意文件", "too large, possibly hostile"),
    "heif_unavailable": Both("缺少 HEIC 组件", "HEIC support missing"),
    "picture_unavailable": Both("无法解码", "cannot be decoded"),
    "network": Both("下载失败", "download failed"),
    "timeout": Both("下载超时", "download timed out"),
    "url_refused": Both("图片地址不允许访问", "picture address not allowed"),
    "download_too_large": Both("下载的文件过大", "download too large"),
    "cancelled": Both("已取消", "cancelled"),
}


def picture_note(code: str) -> str:
    """The note for a listing whose picture failed with error `code`, in the reader's
    language: "picture unavailable (why): grouped by title and price only"."""
    from vvic_desktop.core.errors import PictureUnavailableGrouped

    reason = PICTURE_PROBLEMS.get(code, Both(code, code))
    return PictureUnavailableGrouped(code, reason=reason).message()


def load_picture(
    source: bytes | bytearray | str | os.PathLike[str] | Image.Image,
    *,
    max_side: int | None = None,
) -> Image.Image:
    """THE picture loader: every picture the app decodes goes through here.

    `source` is raw bytes, a path (read only if it is a regular file, with a byte cap) or a
    PIL image. Returns a decoded RGB image: format sniffed from the content and on the
    allow-list, pixel limits enforced (Pillow's bomb warning is an error), EXIF-oriented,
    alpha flattened on white, 16-bit reduced to 8, any size from 1×1 up. With `max_side`
    a JPEG is decoded at reduced DCT scale (`draft`) and anything whose longer side is over
    2 × `max_side` is shrunk to fit 2 × `max_side`.

    Raises `PictureUnavailable` (a subclass naming the reason) and nothing else.
    """
    fmt = "?"
    try:
        if isinstance(source, Image.Image):
            image = source
            fmt = image.format or "PIL"
            _check_pixels(image.width, image.height)
        else:
            opened = open_image(source)
            image, fmt = opened.image, opened.format
        return _decode_rgb(image, fmt, max_side)
    except PictureUnavailable:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ImageTooLarge(str(exc), width="?", height="?",
                            limit_mp=MAX_IMAGE_PIXELS // 1_000_000) from None
    except Exception as exc:  # any decoder failure (MemoryError too) means "unusable"
        raise damaged(fmt, exc) from None


_EXIF_TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def exif_orientation(image: Image.Image) -> int:
    """EXIF orientation 1–8 of an image whose pixels are already loaded; 1 when the EXIF
    block is absent or broken (a broken EXIF block must not cost the picture — decode
    errors are not swallowed here because the pixels were loaded first)."""
    try:
        value = image.getexif().get(0x0112, 1)
    except Exception:  # metadata only
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _decode_rgb(image: Image.Image, fmt: str, max_side: int | None) -> Image.Image:
    if getattr(image, "is_animated", False):
        image.seek(0)
    if max_side is not None and fmt == "JPEG":
        side = max(1, int(max_side))
        # The DCT-domain downscale: an 800 px JPEG decodes as 100–200 px for a 64 px target.
        image.draft("RGB" if image.mode in ("RGB", "YCbCr") else image.mode, (side, side))
    image.load()  # decode errors surface here, not inside an EXIF read
    orientation = exif_orientation(image)
    rgb = _to_rgb(image)
    for step in _EXIF_TRANSPOSE.get(orientation, ()):
        rgb = rgb.transpose(step)
    if max_side is not None and max(rgb.size) > 2 * max(1, int(max_side)):
        target = 2 * max(1, int(max_side))
        rgb = rgb.copy() if rgb is image else rgb
        rgb.thumbnail((target, target), Image.Resampling.BILINEAR)
    return rgb


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any decoded mode as 8-bit RGB: alpha (and palette transparency) flattened on white,
    16/32-bit integers by their high byte, floats clipped, CMYK converted."""
    mode = image.mode
    if mode == "RGB" and "transparency" not in image.info:
        return image
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        import numpy as np

        wide = np.asarray(image)
        if mode == "I" and wide.size and int(wide.max()) <= 255:
            grey = np.clip(wide, 0, 255).astype(np.uint8)
        else:
            grey = (np.clip(wide, 0, 65535).astype(np.uint32) >> 8).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    if mode == "F":
        import numpy as np

        grey = np.clip(np.nan_to_num(np.asarray(image)), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if has_alpha:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _open(data: bytes, fmt: str) -> Image.Image:
    try:
        image = Image.open(BytesIO(data), formats=[fmt])
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        width, height = _header_size(data, fmt)
        raise ImageTooLarge(str(exc), **_too_large_fields(width, height)) from None
    except UnidentifiedImageError as exc:
        raise damaged(fmt, exc) from None
    except Exception as exc:  # broken headers of every kind (OSError, SyntaxError, struct...)
        raise damaged(fmt, exc) from None
    _check_pixels(image.width, image.height)
    return image


def damaged(fmt: str, exc: BaseException) -> DamagedImage:
    """A decoder's failure as DamagedImage, its reason in both languages (the English
    technical cause stays in `detail` for the log)."""
    text = str(exc).lower()
    if isinstance(exc, UnidentifiedImageError) or "cannot identify" in text:
        reason = Both(f"{fmt} 文件头无法识别", f"{fmt} header unreadable")
    elif "truncated" in text or isinstance(exc, EOFError) or "premature end" in text:
        reason = Both(f"{fmt} 文件不完整（数据被截断）", f"{fmt} file is truncated")
    elif "broken data stream" in text or "crc" in text or "decoder error" in text:
        reason = Both(f"{fmt} 图像数据已损坏", f"{fmt} image data is corrupt")
    elif isinstance(exc, MemoryError):
        reason = Both(f"{fmt} 解码所需内存不足", f"not enough memory to decode the {fmt}")
    else:
        reason = Both(f"{fmt} 无法解码（{type(exc).__name__}）",
                      f"{fmt} cannot be decoded ({type(exc).__name__})")
    return DamagedImage(f"{fmt}: {type(exc).__name__}: {exc}"[:300], reason=reason)


def _check_pixels(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise DamagedImage(f"impossible size {width}×{height}",
                           reason=Both(f"尺寸不可能（{width}×{height}）",
                                       f"impossible size {width}×{height}"))
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageTooLarge(f"{width}×{height}", **_too_large_fields(width, height))


def _too_large_fields(width: int, height: int) -> dict[str, Any]:
    return {"width": width, "height": height, "limit_mp": MAX_IMAGE_PIXELS // 1_000_000}


def _header_size(data: bytes, fmt: str) -> tuple[int, int]:
    """Best-effort size from the header alone, for the bomb message (no decoder)."""
    if fmt == "PNG" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if fmt == "GIF" and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if fmt == "BMP" and len(data) >= 26:
        return int.from_bytes(data[18:22], "little"), abs(
            int.from_bytes(data[22:26], "little", signed=True)
        )
    return 0, 0


def _os_reason(exc: BaseException) -> Both:
    import errno

    code = getattr(exc, "errno", None)
    if code in (errno.EACCES, errno.EPERM):
        return Both("没有读取权限", "permission denied")
    if code == errno.EISDIR:
        return Both("这是一个文件夹", "it is a folder")
    if code == errno.ELOOP:
        return Both("符号链接循环", "a symbolic link loop")
    if code == errno.ENAMETOOLONG:
        return Both("路径太长", "the path is too long")
    if code == errno.EIO:
        return Both("磁盘读取错误", "a disk read error")
    text = getattr(exc, "strerror", None) or type(exc).__name__
    return Both(f"系统错误：{text}", text)


def read_file(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Read a regular file, refusing FIFOs, devices and folders (opening a FIFO blocks)."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise FileMissing(f"no such file: {p.name}", name=p.name) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise FileUnreadable(f"{p.name}: {exc}", name=p.name, reason=_os_reason(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        raise NotAFile(f"{p.name} is not a regular file", name=p.name)
    if st.st_size > max_bytes:
        raise PictureFileTooLarge(f"{st.st_size} bytes", limit_mb=max_bytes // 2**20)
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after the stat, open does not block;
        # fstat on the descriptor then sees what was really opened.
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise FileUnreadable(f"{p.name}: {exc.strerror}", name=p.name,
                             reason=_os_reason(exc)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotAFile(f"{p.name} is not a regular file", name=p.name)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise FileUnreadable(f"{p.name}: {exc.strerror}", name=p.name,
                             reason=_os_reason(exc)) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # it grew after the stat
        raise PictureFileTooLarge(f"more than {max_bytes} bytes", limit_mb=max_bytes // 2**20)
    return data


def image_from_raw(
    data: bytes | memoryview, width: int, height: int, stride: int, mode: str = "RGBA"
) -> Image.Image:
    """A clipboard image (e.g. a QImage in Format_RGBA8888) as a PIL image, same caps as files.

    Wrapping the buffer is cheaper than encoding the clipboard to PNG and decoding it again.
    """
    _check_pixels(width, height)
    bands = len(mode)
    if stride < width * bands or len(data) < stride * height:
        raise DamagedImage(f"clipboard buffer too short for {width}×{height}")
    return Image.frombuffer(mode, (width, height), bytes(data), "raw", mode, stride, 1).copy()


# --- URLs -----------------------------------------------------------------------------------

Resolver = Callable[[str, int], list[str]]


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which non-public addresses a picture URL may point at (SSRF): decided once, by
    `address_policy`, and checked on every hop and on the peer actually connected to."""

    loopback: bool = False  # 127.0.0.0/8, ::1: only when the endpoint itself is loopback
    lan: bool = False  # 10/8, 172.16/12, 192.168/16, fc00::/7, 100.64/10: the user's setting
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()  # the endpoint's

    def check(self, address: str) -> None:
        """Raise UrlRefused unless `address` is public or allowed here."""
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            raise UrlRefused(f"{address}: not an address",
                             reason=Both(f"{address} 不是有效地址",
                                         f"{address} is not an address")) from None
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if ip.is_global and not ip.is_multicast:
            return
        if any(ip in net for net in self.networks):
            return
        if ip.is_loopback:
            if self.loopback:
                return
            what = Both("本机地址", "a loopback address")
        elif ip.is_link_local:  # 169.254.169.254: cloud metadata, never by default
            what = Both("链路本地地址", "a link-local address")
        elif self.lan and _is_lan(ip):
            return
        else:
            what = Both("局域网或保留地址", "a private or reserved address")
        raise UrlRefused(f"{address} is {what.en}",
                         reason=Both(f"{address} 是{what.zh}", f"{address} is {what.en}"))


_LAN_NETS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"))


def _is_lan(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(ip in net for net in _LAN_NETS if net.version == ip.version)


def address_policy(endpoint: str | None = None, *, allow_lan: bool = False) -> AddressPolicy:
    """THE decision which private hosts pictures may come from, for a search against
    `endpoint` (None: the marketplace's public URL).

    - public addresses: always;
    - loopback: only when the endpoint is loopback (the demo sandbox, a test server);
    - a LAN range: with the user's `allow_lan` setting, or when the endpoint is on it;
    - link-local (169.254.0.0/16, fe80::/10) and other reserved ranges: never, unless the
      endpoint itself is on that very range.
    """
    host = urllib.parse.urlsplit(endpoint).hostname if endpoint else None
    if not host:
        return AddressPolicy(lan=allow_lan)
    if host == "localhost":
        return AddressPolicy(loopback=True, lan=allow_lan)
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return AddressPolicy(lan=allow_lan)  # a name: we do not resolve it to widen anything
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return AddressPolicy(loopback=True, lan=allow_lan)
    if ip.is_global:
        return AddressPolicy(lan=allow_lan)
    own: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    if ip.is_link_local:
        own = (ipaddress.ip_network("169.254.0.0/16" if ip.version == 4 else "fe80::/10"),)
    else:
        own = tuple(net for net in _LAN_NETS if net.version == ip.version and ip in net)
        own = own or (ipaddress.ip_network(f"{ip}/{ip.max_prefixlen}"),)
    return AddressPolicy(lan=allow_lan, networks=own)


def _legacy_policy(allow_private: bool, allow_lan: bool) -> AddressPolicy:
    """`allow_private` (tests, `vvic group --allow-private`): loopback and LAN, still never
    link-local; `allow_lan`: LAN only."""
    return AddressPolicy(loopback=allow_private, lan=allow_private or allow_lan)


def check_address(address: str, *, allow_private: bool = False, allow_lan: bool = False,
                  policy: AddressPolicy | None = None) -> None:
    """Refuse addresses a web page must not make us fetch (SSRF), unless allowed."""
    (policy or _legacy_policy(allow_private, allow_lan)).check(address)


def fetch_url(
    url: str,
    *,
    allow_private: bool = False,
    allow_lan: bool = False,
    policy: AddressPolicy | None = None,
    max_bytes: int = MAX_URL_BYTES,
    deadline: float = URL_DEADLINE_S,
    connect_timeout: float = 5.0,
    max_redirects: int = MAX_REDIRECTS,
    cancel: CancelToken | None = None,
    session: requests.Session | None = None,
    resolver: Resolver = _resolve,
    verify_peer: bool = True,
) -> bytes:
    """Download an image URL safely and return its bytes (the caller decides by decoding).

    The address policy is `policy` (see `address_policy`), else the legacy flags:
    `allow_private` admits loopback and LAN (tests, the loopback sandbox), `allow_lan` LAN
    only; link-local never. `verify_peer` re-checks the address actually connected to (DNS
    rebinding); only tests that route a made-up public name to loopback turn it off.

    The whole download (every hop's connect, headers and body) runs under the HTTP layer's
    watchdog (`core.net.watched`): a server dripping its headers a byte at a time ends
    at `deadline`, and cancel is immediate.
    """
    from vvic_desktop.core.net import make_session, watched

    if url.startswith("data:"):
        return _decode_data_url(url, max_bytes)
    policy = policy or _legacy_policy(allow_private, allow_lan)
    started = time.monotonic()
    own_session = session is None
    sess = session or make_session()
    try:
        with watched(started + deadline, cancel) as watchdog:
            try:
                data = _fetch_hops(_Fetch(
                    session=sess, started=started, deadline=deadline,
                    connect_timeout=connect_timeout, cancel=cancel, resolver=resolver,
                    policy=policy, verify_peer=verify_peer, max_redirects=max_redirects,
                    max_bytes=max_bytes,
                ), url)
            except (NetworkError, DownloadTooLarge, UrlRefused):
                if watchdog.fired == "cancel":
                    raise Cancelled() from None
                if watchdog.fired == "deadline":
                    raise Timeout("deadline", seconds=round(deadline)) from None
                raise
            # A socket shut under a read looks like the end of the body: not a picture.
            if watchdog.fired == "cancel":
                raise Cancelled()
            if watchdog.fired == "deadline":
                raise Timeout("deadline", seconds=round(deadline))
            return data
    finally:
        if own_session:
            sess.close()


@dataclass(frozen=True, slots=True)
class _Fetch:
    """What every hop of one `fetch_url` download shares: the session, the clock it started
    on and its total deadline, cancel, the address rules and the size and redirect bounds."""

    session: requests.Session
    started: float
    deadline: float
    connect_timeout: float
    cancel: CancelToken | None
    resolver: Resolver
    policy: AddressPolicy
    verify_peer: bool
    max_redirects: int
    max_bytes: int

    def remaining(self) -> float:
        """Seconds left of the total deadline; Timeout once it has passed."""
        left = self.deadline - (time.monotonic() - self.started)
        if left <= 0:
            raise Timeout("deadline", seconds=round(self.deadline))
        return left

    def check_cancel(self) -> None:
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()


def _fetch_hops(fetch: _Fetch, url: str) -> bytes:
    current = url
    for _hop in range(fetch.max_redirects + 1):
        response = _fetch_hop(fetch, current)
        if response.is_redirect:
            location = response.headers.get("Location", "")
            response.close()
            if not location:
                raise NetworkError("redirect without Location", reason="redirect")
            current = urllib.parse.urljoin(current, location)
            continue
        try:
            return _read_body(fetch, response)
        finally:
            response.close()
    raise UrlRefused(f"more than {fetch.max_redirects} redirects",
                     reason=Both("重定向次数过多", "too many redirects"))


def _fetch_hop(fetch: _Fetch, url: str) -> requests.Response:
    import requests

    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UrlRefused(f"scheme {parts.scheme!r}",
                         reason=Both(f"只支持 http/https（{parts.scheme}:）",
                                     f"only http/https ({parts.scheme}:)"))
    host = parts.hostname
    if not host:
        raise UrlRefused("no host", reason=Both("网址不完整", "incomplete address"))
    if parts.username or parts.password:
        raise UrlRefused("credentials in URL",
                         reason=Both("网址含登录信息", "credentials in the address"))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    fetch.check_cancel()
    try:
        addresses = fetch.resolver(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise NetworkError(f"cannot resolve {host}", reason=f"{host}: {exc}") from None
    if not addresses:
        raise NetworkError(f"cannot resolve {host}", reason=host)
    for address in addresses:
        fetch.policy.check(address)
    remaining = fetch.remaining()
    sess = fetch.session
    try:
        response = sess.get(
            url,
            stream=True,
            allow_redirects=False,
            timeout=(min(fetch.connect_timeout, remaining), min(5.0, remaining)),
            headers={"Accept": "image/*,*/*;q=0.5", "User-Agent": "vvic-desktop"},
        )
    except requests.Timeout:
        raise Timeout(f"GET {host}", seconds=round(fetch.deadline)) from None
    except requests.RequestException as exc:
        raise NetworkError(f"GET {host}: {type(exc).__name__}", reason=type(exc).__name__) from None
    # The name may resolve differently the second time (DNS rebinding): check the peer we
    # actually reached, unless a proxy stands between us.
    if fetch.verify_peer and not sess.proxies and not requests.utils.get_environ_proxies(url):
        peer = _peer_address(response)
        if peer:
            try:
                fetch.policy.check(peer)
            except UrlRefused:
                response.close()
                raise
    if not response.is_redirect and response.status_code >= 400:
        response.close()
        raise NetworkError(
            f"HTTP {response.status_code} from {host}", reason=f"HTTP {response.status_code}"
        )
    return response


def _socket(response: requests.Response) -> socket.socket | None:
    """The connected socket under a streamed response (None once urllib3 released it)."""
    try:
        return response.raw.connection.sock  # type: ignore[union-attr,no-any-return]
    except AttributeError:
        return None


def _peer_address(response: requests.Response) -> str | None:
    sock = _socket(response)
    try:
        return str(sock.getpeername()[0]) if sock is not None else None
    except (OSError, IndexError):
        return None


def _read_body(fetch: _Fetch, response: requests.Response) -> bytes:
    import requests

    max_bytes, deadline = fetch.max_bytes, fetch.deadline

    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise DownloadTooLarge(f"Content-Length {declared}", limit_mb=max_bytes // 2**20)
    raw = response.raw
    sock = _socket(response)
    chunks: list[bytes] = []
    total = 0
    while True:
        fetch.check_cancel()
        left = fetch.remaining()
        if sock is not None:
            # Bound each read by the time left, so a server dripping a byte at a time cannot
            # stretch the download past the total deadline.
            sock.settimeout(min(5.0, left))
        try:
            # read1: return whatever has arrived; small compressed reads bound gzip bombs.
            chunk = raw.read1(16384, decode_content=True)
        except (TimeoutError, requests.exceptions.ReadTimeout):
            raise Timeout("read", seconds=round(deadline)) from None
        except Exception as exc:  # urllib3 wraps socket errors in several types
            if "timed out" in str(exc).lower():
                raise Timeout("read", seconds=round(deadline)) from None
            raise NetworkError(f"read: {type(exc).__name__}", reason=type(exc).__name__) from None
        if not chunk:
            break
        total += len(chunk)
        if total > max_bytes:
            raise DownloadTooLarge(f"more than {max_bytes} bytes", limit_mb=max_bytes // 2**20)
        chunks.append(chunk)
    return b"".join(chunks)


def _decode_data_url(url: str, max_bytes: int) -> bytes:
    header, sep, payload = url.partition(",")
    if not sep:
        raise UrlRefused("malformed data: URL",
                         reason=Both("data: 网址格式错误", "malformed data: URL"))
    if len(payload) > max_bytes * 4 // 3 + 4:
        raise DownloadTooLarge("data: URL too long", limit_mb=max_bytes // 2**20)
    try:
        if header.endswith(";base64"):
            return base64.b64decode(urllib.parse.unquote(payload), validate=False)
        return urllib.parse.unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        raise DamagedImage("data: URL is not valid base64") from None


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://", "data:"))


def load_source(
    source: str | os.PathLike[str] | bytes | Image.Image,
    *,
    allow_lan: bool = False,
    cancel: CancelToken | None = None,
) -> OpenedImage:
    """Path, URL (http/https/data), bytes or PIL image → an opened, not yet decoded image."""
    if isinstance(source, str) and is_url(source):
        return open_bytes(fetch_url(source, allow_lan=allow_lan, cancel=cancel))
    return open_image(source)


PHOTO_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".bmp", ".heic", ".heif"}
)


def walk_photos(folder: Path, *, max_files: int = 5000, max_depth: int = 8) -> list[Path]:
    """The photo files under `folder`, sorted: regular files with a photo suffix only (a FIFO
    would block, a device never ends), symlinked folders not followed (no loops), bounded
    depth; raises ConfigError beyond `max_files` rather than silently dropping some."""
    import stat as _stat

    from vvic_desktop.core.errors import ConfigError

    found: list[Path] = []
    base_depth = len(folder.parts)
    for root, dirs, files in os.walk(folder, followlinks=False):
        if len(Path(root).parts) - base_depth >= max_depth:
            dirs[:] = []
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if name.startswith(".") or path.suffix.lower() not in PHOTO_SUFFIXES:
                continue
            try:
                if not _stat.S_ISREG(path.stat().st_mode):
                    continue
            except OSError:
                continue
            found.append(path)
            if len(found) > max_files:
                raise ConfigError(f"more than {max_files} photos under {folder.name}")
    return found
