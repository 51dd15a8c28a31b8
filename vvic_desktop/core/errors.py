"""The error taxonomy: every failure the user can meet, with its message in zh_CN and English.

Errors are values with a message (STYLE habit 5). Each class knows
- `code`: a stable identifier for logs, tests and the CLI's JSON;
- `retry`: whether trying again can help, and how (`Retry`);
- `zh` / `en`: what happened and what to do, as templates over the error's fields.

`detail` carries the technical cause for the log; it must already be redacted (no
secret, signature or session ever goes into an error).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from enum import Enum
from typing import Any, ClassVar


class Retry(Enum):
    NEVER = "never"  # the input or the configuration must change first
    BACKOFF = "backoff"  # transient: retry with jittered backoff
    AFTER = "after"  # the service said when: honour retry_after


def _system_language() -> str:
    for var in ("VVIC_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "zh_CN" if value.lower().startswith("zh") else "en"
    return "zh_CN"


_language = _system_language()


def set_language(lang: str) -> None:
    """Choose the language of `str(error)` and `error.message()` (zh_CN or en)."""
    global _language
    _language = "zh_CN" if lang.lower().startswith("zh") else "en"


def language() -> str:
    return _language


class Both:
    """A detail in both languages, for a message field: `message()` picks the reader's.

    The technical English cause goes to `detail` (the log); what the reader sees inside a
    Chinese sentence must be Chinese too."""

    __slots__ = ("en", "zh")

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en

    def __str__(self) -> str:
        return self.zh if _language.startswith("zh") else self.en

    def __repr__(self) -> str:
        return f"Both({self.zh!r}, {self.en!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Both) and (self.zh, self.en) == (other.zh, other.en)

    def __hash__(self) -> int:
        return hash((self.zh, self.en))


# A technical cause (an OSError's text, a resolver's or a keyring backend's English sentence)
# is never shown as it is: the known ones in the user's words, the rest as "see the log" in
# Chinese. `detail` keeps the raw text for the log.
_REASONS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), zh, en)
    for pattern, zh, en in (
        (r"name or service not known|nodename nor servname|getaddrinfo failed|errno -[23]\b"
         r"|temporary failure in name resolution|no address associated",
         "找不到服务器，域名无法解析", "the server name could not be found"),
        (r"connection refused|errno 111\b|winerror 10061",
         "服务器拒绝连接", "the server refused the connection"),
        (r"timed out|timeout", "连接超时", "the connection timed out"),
        (r"network is unreachable|no route to host|errno 101\b|errno 113\b",
         "网络不通", "the network is unreachable"),
        (r"connection reset|connection aborted|remote end closed|broken pipe",
         "连接被中断", "the connection was interrupted"),
        (r"certificate|ssl", "安全连接（证书）校验失败", "the secure connection (certificate) "
         "could not be verified"),
        (r"no space left|errno 28\b|disk full|database or disk is full",
         "磁盘空间已满", "the disk is full"),
        (r"read-only file system|errno 30\b|readonly database|read-only",
         "位置只读", "the location is read-only"),
        (r"permission denied|errno 13\b|access is denied|operation not permitted|errno 1\b",
         "没有权限", "permission denied"),
        (r"no such file|errno 2\b|not found|cannot find", "找不到文件", "the file is missing"),
        (r"is a directory|errno 21\b", "这是一个文件夹", "it is a folder"),
        (r"truncated|premature end|incomplete|unexpected end",
         "文件不完整（被截断）", "the file is incomplete (truncated)"),
        (r"cannot identify image|not a valid image|unsupported image|unknown format",
         "不是可识别的图片格式", "not a recognised image format"),
        (r"no recommended backend|keyring backend|secretservice|dbus|kwallet|no keyring",
         "系统里没有可用的密钥服务", "no keyring service is running"),
        (r"database disk image is malformed|file is not a database|corrupt",
         "文件已损坏", "the file is damaged"),
    )
)


def _has_cjk(text: str) -> bool:
    return any("\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef" for c in text)


def reason_text(reason: str, lang: str) -> str:
    """A technical `reason` as the user reads it in `lang`: in Chinese the known causes
    translated and any other English sentence as "详情见日志文件" (the raw text is in the log);
    in English as written."""
    if not lang.startswith("zh") or not reason or _has_cjk(reason):
        return reason  # English: the cause as written (file names and all)
    for pattern, zh_text, _en_text in _REASONS:
        if pattern.search(reason):
            return zh_text
    return "详情见日志文件"


class VvicError(Exception):
    code: ClassVar[str] = "error"
    retry: ClassVar[Retry] = Retry.NEVER
    zh: ClassVar[str] = "出现了意外错误：{reason}"
    en: ClassVar[str] = "Something unexpected went wrong: {reason}"

    def __init__(self, detail: str = "", **fields: Any) -> None:
        self.detail = detail
        self.fields: dict[str, Any] = {"reason": detail, **fields}
        super().__init__(detail or self.code)

    def message(self, lang: str | None = None) -> str:
        lang = lang or _language
        zh = lang.startswith("zh")
        template = self.zh if zh else self.en
        fields = {
            key: (value.zh if zh else value.en) if isinstance(value, Both) else value
            for key, value in self.fields.items()
        }
        if isinstance(fields.get("reason"), str):  # a raw technical cause: in the reader's words
            fields["reason"] = reason_text(fields["reason"], lang)
        try:
            return template.format(**fields)
        except (KeyError, IndexError, ValueError):
            return template

    def __str__(self) -> str:
        return self.message()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "retry": self.retry.value,
            "message_zh": self.message("zh_CN"),
            "message_en": self.message("en"),
        }


class Cancelled(VvicError):
    code = "cancelled"
    zh = "已取消。"
    en = "Cancelled."


# --- images -----------------------------------------------------------------------------


class ImageError(VvicError):
    """The photo itself cannot be used."""

    code = "bad_image"
    zh = "无法读取这张图片：{reason}。请换一张 JPG/PNG/WebP 照片再试。"
    en = "This image cannot be read: {reason}. Try another JPG/PNG/WebP photo."


class PictureUnavailable(ImageError):
    """A picture that cannot be used, whatever the reason (`intake.load_picture` raises only
    this family): missing, not a file, not an allowed format, damaged, too large, too small.
    A listing whose picture is unavailable keeps its place and is grouped on title and price.
    """

    code = "picture_unavailable"
    zh = "图片不可用（{reason}）。"
    en = "Picture unavailable ({reason})."


class PictureUnavailableGrouped(PictureUnavailable):
    """The note on a listing whose picture could not be used: it keeps its place."""

    code = "picture_unavailable"
    zh = "图片不可用（{reason}），仅按标题和价格归类。"
    en = "Picture unavailable ({reason}): grouped by title and price only."


class ImageTooSmall(PictureUnavailable):
    code = "image_too_small"
    zh = (
        "图片太小（{width}×{height}，至少需要 {min_side}×{min_side}），无法用于搜索。"
        "请换一张更大的照片。"
    )
    en = (
        "The picture is too small ({width}×{height}; at least {min_side}×{min_side} is needed) "
        "to search with. Use a larger photo."
    )


class EmptyImage(PictureUnavailable):
    code = "empty_image"
    zh = "文件是空的（0 字节）。请重新保存或下载这张图片。"
    en = "The file is empty (0 bytes). Save or download the picture again."


class UnsupportedImage(PictureUnavailable):
    code = "unsupported_image"
    zh = "这不是支持的图片格式（{kind}）。支持 JPG、PNG、WebP、GIF、BMP、HEIC、AVIF。"
    en = (
        "This is not a supported image ({kind}). Supported: JPG, PNG, WebP, GIF, BMP, HEIC, AVIF."
    )

    def __init__(self, detail: str = "", kind: str = "?", **fields: Any) -> None:
        super().__init__(detail, kind=kind, **fields)


class FileMissing(PictureUnavailable):
    code = "file_missing"
    zh = "找不到文件“{name}”。它可能已被移动或删除。"
    en = "File not found: “{name}”. It may have been moved or deleted."


class NotAFile(PictureUnavailable):
    code = "not_a_file"
    zh = "“{name}”不是普通文件（可能是文件夹、设备或管道），已跳过。"
    en = "“{name}” is not a regular file (a folder, device or pipe) and was skipped."


class FileUnreadable(PictureUnavailable):
    code = "file_unreadable"
    zh = "无法读取文件“{name}”（{reason}）。请检查文件权限。"
    en = "The file “{name}” cannot be read ({reason}). Check its permissions."


class VectorImage(UnsupportedImage):
    code = "vector_image"
    zh = "这是矢量图或文档（{kind}），不是照片。请先导出为 PNG 或 JPG 再拖进来。"
    en = (
        "This is a vector drawing or document ({kind}), not a photo. Export it as PNG or JPG first."
    )


class DamagedImage(PictureUnavailable):
    code = "damaged_image"
    zh = "图片文件已损坏或不完整（{reason}）。请重新下载或换一张。"
    en = "The image file is damaged or incomplete ({reason}). Download it again or use another."


class ImageTooLarge(PictureUnavailable):
    code = "image_too_large"
    zh = (
        "图片尺寸过大（{width}×{height}，超过 {limit_mp} 百万像素），可能是恶意文件。请缩小后再试。"
    )
    en = (
        "The image is too large ({width}×{height}, over {limit_mp} megapixels) and may be "
        "hostile. Shrink it and try again."
    )


class PictureFileTooLarge(ImageTooLarge):
    code = "image_too_large"
    zh = "文件太大（超过 {limit_mb} MB），不像是一张照片。请换一张图片。"
    en = "The file is larger than {limit_mb} MB, which is not a photo. Use another picture."


class HeifUnavailable(PictureUnavailable):
    code = "heif_unavailable"
    zh = "无法读取 HEIC 照片：缺少 pillow-heif 组件。请重新安装本软件，或把照片导出为 JPG。"
    en = "HEIC photos need the pillow-heif component. Reinstall the app or export the photo as JPG."


class BadCrop(ImageError):
    code = "bad_crop"
    zh = "裁剪区域无效：{reason}。请重新框选服装。"
    en = "The crop box is not valid: {reason}. Select the garment again."


class EncodeFailed(ImageError):
    code = "encode_failed"
    zh = "无法把图片压缩到 {limit_mb} MB 以内。请先裁剪到服装部分再试。"
    en = "The image cannot be compressed under {limit_mb} MB. Crop it to the garment and try again."


# --- fetching images from URLs ------------------------------------------------------------


class UrlRefused(VvicError):
    code = "url_refused"
    zh = "不允许打开这个网址：{reason}。请把图片保存到电脑后拖进来。"
    en = "This address is not allowed: {reason}. Save the picture to your computer and drop it in."


class DownloadTooLarge(VvicError):
    code = "download_too_large"
    zh = "下载的文件超过 {limit_mb} MB，已停止。请换一张较小的图片。"
    en = "The download is larger than {limit_mb} MB and was stopped. Use a smaller picture."


class NetworkError(VvicError):
    code = "network"
    retry = Retry.BACKOFF
    zh = "网络连接失败（{reason}）。请检查网络或代理设置后重试。"
    en = "The network connection failed ({reason}). Check the network or proxy and retry."


class Timeout(NetworkError):
    code = "timeout"
    zh = "等待超过 {seconds} 秒仍未完成，已停止。请稍后重试。"
    en = "No complete answer within {seconds} s, so it was stopped. Try again later."


# --- marketplaces ----------------------------------------------------------------------------


class AuthError(VvicError):
    code = "auth"
    zh = "{market} 拒绝了 AppKey（{reason}）。请在设置中检查 AppKey 和密钥。"
    en = "{market} rejected the AppKey ({reason}). Check the AppKey and secret in Settings."

    def __init__(self, detail: str = "", market: str = "", **fields: Any) -> None:
        super().__init__(detail, market=market, **fields)


class PermissionDenied(AuthError):
    code = "permission"
    zh = "这个 AppKey 没有调用 {market} 图片搜索的权限（{reason}）。请在开放平台申请权限。"
    en = (
        "This AppKey may not call {market} image search ({reason}). Request the permission "
        "on the open platform."
    )


class SignatureError(AuthError):
    code = "signature"
    zh = "{market} 的签名校验失败。通常是密钥填错了：请在设置中重新填写密钥。"
    en = "{market} rejected the signature. Usually the secret is wrong: enter it again in Settings."


class SessionExpired(AuthError):
    code = "session"
    zh = "{market} 的授权已过期或无效。请重新授权。"
    en = "The {market} authorisation expired or is invalid. Authorise again."


class AccessTokenNeeded(SessionExpired):
    """1688: the member's OAuth access_token is missing, expired or revoked."""

    code = "access_token"
    zh = (
        "{market} 的 access_token（会员授权令牌）缺失或已过期。请用你的 1688 账号在 1688 开放平台"
        "（open.1688.com）为这个应用重新授权，取得新的 access_token，然后在“文件 ▸ 设置”中填写，"
        "或运行 `vvic config set-credentials {market}`；命令行也可以设置环境变量 {env_var}。"
    )
    en = (
        "The {market} access_token (the member's authorisation) is missing or has expired. "
        "Authorise this app again with your 1688 account on the 1688 open platform "
        "(open.1688.com) to get a new access_token, then enter it in File ▸ Settings or run "
        "`vvic config set-credentials {market}`; on the command line you can also set {env_var}."
    )


class MissingCredentials(AuthError):
    code = "missing_credentials"
    zh = "还没有配置 {market} 的 AppKey。请在设置中填写，或使用“本地图库”/演示市场。"
    en = "No AppKey is set for {market}. Add one in Settings, or use the local library or the demo."


class ClockSkew(VvicError):
    code = "clock_skew"
    retry = Retry.BACKOFF
    zh = "电脑时间与 {market} 服务器相差约 {offset} 秒，已按服务器时间重新签名。请校准系统时间。"
    en = (
        "This computer's clock is about {offset} s off {market}'s; the request was re-signed "
        "with the server's time. Please correct the system clock."
    )


class QuotaExceeded(VvicError):
    """The platform refused for quota; `retry_after` seconds says when to try again."""

    code = "quota"
    retry = Retry.AFTER
    zh = "{market} 调用次数已达上限，{retry_after} 秒后自动重试。"
    en = "{market} call quota reached; retrying automatically in {retry_after} s."

    def __init__(
        self, detail: str = "", market: str = "", retry_after: float = 60.0, **fields: Any
    ) -> None:
        try:  # whatever a service said: a number of seconds in [0, 7 days]
            seconds = float(retry_after)
        except (TypeError, ValueError, OverflowError):
            seconds = 60.0
        seconds = 60.0 if seconds != seconds else min(max(0.0, seconds), 7 * 24 * 3600.0)
        super().__init__(detail, market=market, retry_after=round(seconds), **fields)
        self.retry_after = seconds


def resume_moment(resumes_at: _dt.datetime) -> str:
    """When a paused quota resumes, as the user reads it: "HH:MM" on today's date, with the
    date too on another day ("resumes at 03:00" the next morning misleads). A naive
    `resumes_at` is taken as local time."""
    now = _dt.datetime.now().astimezone()
    shown = resumes_at.astimezone(now.tzinfo) if resumes_at.tzinfo else resumes_at
    return shown.strftime("%H:%M" if shown.date() == now.date() else "%Y-%m-%d %H:%M")


class QuotaExhausted(VvicError):
    """Waiting would take too long: the queue pauses until `resumes_at`."""

    code = "quota_exhausted"
    zh = "{market} 的调用额度已用完，将在 {resumes_hhmm} 恢复。已暂停，稍后会自动继续。"
    en = "{market} quota exhausted; resumes at {resumes_hhmm}. Paused; it will continue then."

    def __init__(
        self,
        detail: str = "",
        market: str = "",
        resumes_at: _dt.datetime | None = None,
        **fields: Any,
    ) -> None:
        resumes_at = resumes_at or _dt.datetime.now().astimezone() + _dt.timedelta(hours=1)
        super().__init__(detail, market=market, resumes_hhmm=resume_moment(resumes_at),
                         **fields)
        self.resumes_at = resumes_at


class ImageRejected(VvicError):
    code = "image_rejected"
    zh = "{market} 不接受这张图片（{reason}）。请裁剪到服装部分，或换一张更清晰的照片。"
    en = "{market} did not accept the image ({reason}). Crop to the garment or use a sharper photo."


class BadRequest(VvicError):
    code = "bad_request"
    zh = "{market} 认为请求参数无效（{reason}）。请检查筛选条件。"
    en = "{market} found the request parameters invalid ({reason}). Check the filters."


class RequestRefused(VvicError):
    """The platform says the request itself is wrong (TOP's `isv.*` sub-codes): the same call
    fails the same way again, so it is never retried; its own words are shown."""

    code = "request_refused"
    zh = "{market} 拒绝了这次请求：{sub_msg}（{sub_code}）。这是请求本身的问题，重试也不会成功。"
    en = ("{market} refused the request: {sub_msg} ({sub_code}). The request itself is at "
          "fault, so trying again will not help.")


class ServiceError(VvicError):
    code = "service"
    retry = Retry.BACKOFF
    zh = "{market} 服务暂时出错（{reason}）。稍后会自动重试。"
    en = "{market} had a temporary fault ({reason}). It will be retried shortly."


class BadResponse(VvicError):
    """An answer that is not what the protocol promises (malformed JSON, a web page, an
    oversize body, a redirect): the same request gets the same answer, so it is not repeated
    within a search."""

    code = "bad_response"
    retry = Retry.NEVER
    zh = "{market} 返回了无法识别的内容（{reason}）。可能是网络代理或服务故障，请稍后重试。"
    en = (
        "{market} sent an unexpected response ({reason}). A proxy or a service fault may be "
        "the cause; retry later."
    )


class BadGateway(BadResponse):
    """A web page or broken body under a 5xx/408 status (a proxy's "502 Bad Gateway"): the
    status says the fault is passing, so it is retried with back-off."""

    retry = Retry.BACKOFF


# --- local storage and configuration -------------------------------------------------------


class StorageError(VvicError):
    code = "storage"
    zh = "无法保存数据（{reason}）。已保存的数据不受影响。"
    en = "Data could not be saved ({reason}). What was saved before is intact."


class DiskFull(StorageError):
    code = "disk_full"
    zh = "磁盘空间已满，无法保存。请清理磁盘后重试；已保存的数据不受影响。"
    en = (
        "The disk is full, so nothing could be saved. Free some space and retry; "
        "saved data is intact."
    )


class NoSecureKeyring(VvicError):
    code = "no_keyring"
    zh = (
        "系统没有可用的安全密钥存储（{reason}）。Linux 上请安装并解锁 GNOME Keyring 或 KWallet；"
        "也可以用环境变量提供密钥。"
    )
    en = (
        "No secure keyring is available ({reason}). On Linux install and unlock GNOME Keyring "
        "or KWallet, or provide the secret through environment variables."
    )


class ConfigError(VvicError):
    code = "config"
    zh = "设置有误：{reason}"
    en = "Invalid setting: {reason}"


class NoDisplay(VvicError):
    code = "no_display"
    zh = ("没有可用的显示器（未设置 DISPLAY 或 WAYLAND_DISPLAY）。无界面运行：用 `xvfb-run -a "
          "vvic-desktop`，或 `vvic-desktop --self-test out.png` 自检，或用命令行 `vvic search`。")
    en = ("No display found (DISPLAY and WAYLAND_DISPLAY are unset). To run headless: "
          "`xvfb-run -a vvic-desktop`, `vvic-desktop --self-test out.png` for the self-test, "
          "or the command line, `vvic search`.")


class BatchBusy(VvicError):
    code = "batch_busy"
    zh = "这个批量搜索正在另一个窗口或命令中运行。请等它结束，或先在那里暂停。"
    en = ("This batch is already running in another window or command. Wait for it to "
          "finish, or pause it there first.")


class BadItemsFile(VvicError):
    """`vvic group ITEMS.json`: the file is not the documented items list."""

    code = "bad_items_file"
    zh = "商品列表文件无效：{reason}"
    en = "The items file is invalid: {reason}"


# --- the library database ---------------------------------------------------------------------


class SettingsRecovered(StorageError):
    """Notice: settings.json could not be read; it was moved aside and defaults are used."""

    code = "settings_recovered"
    zh = ("设置文件已损坏，无法读取；已把它移到“{moved}”，现在使用默认设置。"
          "AppKey 和密钥在系统密钥库中，不受影响。")
    en = ("The settings file was damaged and could not be read; it was moved to “{moved}” and "
          "the defaults are in use. AppKeys and secrets are in the system keyring, unaffected.")


class DatabaseRecovered(StorageError):
    """Notice: the library file was damaged; it was moved aside and a fresh one started."""

    code = "database_recovered"
    zh = (
        "资料库文件已损坏，已移到“{moved_to}”并新建了一个空资料库。"
        "旧文件保留在原文件夹中，可交给技术支持尝试恢复。"
    )
    en = (
        "The library file was damaged. It was moved to “{moved_to}” and a new, empty library "
        "was started; the old file stays in the same folder for recovery."
    )


class DatabaseNewer(StorageError):
    """Notice: a newer version of the app wrote the library; it opens read-only."""

    code = "database_newer"
    zh = (
        "资料库由更新版本的软件创建（版本 {found}，本软件支持到 {supported}），"
        "现以只读方式打开：可以查看和导出，但不能保存。请升级本软件。"
    )
    en = (
        "The library was written by a newer version of the app (schema {found}; this one "
        "knows up to {supported}). It is open read-only: you can view and export, not save. "
        "Please update the app."
    )


class DataDirReadOnly(StorageError):
    """Notice: the data folder cannot be written; the library is read-only or in memory."""

    code = "data_dir_read_only"
    zh = (
        "数据文件夹“{folder}”无法写入（{reason}）。本次搜索仍可进行，但不会保存；"
        "已保存的数据不受影响。请检查文件夹权限或磁盘。"
    )
    en = (
        "The data folder “{folder}” cannot be written ({reason}). You can still search, "
        "but nothing is saved this session; saved data is intact. Check the folder's "
        "permissions or the disk."
    )


class LibraryReadOnly(StorageError):
    code = "library_read_only"
    zh = "资料库当前为只读，无法保存或修改（{reason}）。已保存的数据不受影响。"
    en = (
        "The library is read-only, so this cannot be saved or changed ({reason}). "
        "Saved data is intact."
    )


class SearchNotFound(StorageError):
    code = "search_not_found"
    zh = "资料库里没有名为“{name}”的搜索。用 `vvic library list` 查看已保存的搜索。"
    en = "There is no saved search named “{name}”. `vvic library list` shows the saved searches."


class NameTaken(StorageError):
    code = "name_taken"
    zh = "已经有一个名为“{name}”的搜索。请换一个名字。"
    en = "A saved search named “{name}” already exists. Choose another name."
