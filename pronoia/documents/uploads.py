"""Checking uploaded files by their content: type by magic bytes and structure, size, hostile shapes.

Accepted types: PDF, PNG, JPEG. The name and the browser's Content-Type are never trusted. A file
is refused when it is empty or too large; when its bytes are not of an accepted type; when it
carries another file after its end (polyglots: a PNG or JPEG with data after its end marker, a
PDF with data after its last %%EOF beyond whitespace); when a PDF holds active or embedded content
(JavaScript, launch actions, embedded files); when an image does not decode or is absurdly large.
"""
from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
MEDIA_TYPES = (PDF, PNG, JPEG)
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)\b")
MAX_IMAGE_PIXELS = 60_000_000
FILENAME_MAX_CHARS = 100


@dataclass(frozen=True)
class UploadInfo:
    id: int
    filename: str
    media_type: str
    size: int
    sha256: str


class UploadRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def file_read_capped(file, *, max_bytes: int) -> bytes:
    """Up to max_bytes + 1 bytes of `file` (enough to tell it is too large) from its start."""
    if hasattr(file, "seek"):
        file.seek(0)
    chunks = []
    remaining = max_bytes + 1
    reader = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b"")
    for chunk in reader:
        chunks.append(chunk[:remaining])
        remaining -= len(chunks[-1])
        if remaining <= 0:
            break
    if hasattr(file, "seek"):
        file.seek(0)
    return b"".join(chunks)


def media_type_detect(data: bytes) -> str | None:
    """The media type the bytes really are (by magic number), or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(_PNG_MAGIC):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, size // 1024)} KB"


def _check_pdf(data: bytes) -> None:
    tail = data[-2048:]
    end = tail.rfind(b"%%EOF")
    if end < 0:
        raise UploadRefused("upload_damaged", _("The PDF file is incomplete or damaged."))
    if tail[end + 5 :].strip(b"\r\n\t \x00"):
        raise UploadRefused("upload_polyglot", _("The PDF file has other data after its end; save it again as a plain PDF."))
    if _PDF_ACTIVE.search(data):
        raise UploadRefused("upload_active_content", _("The PDF file contains scripts, attachments or other active content; upload a plain PDF."))


def _check_image(data: bytes, media_type: str) -> None:
    from PIL import Image, UnidentifiedImageError

    if media_type == PNG:
        end = data.rfind(b"IEND")
        # IEND chunk: 4-byte type + 4-byte CRC, nothing after it.
        if end < 0 or len(data) != end + 8:
            raise UploadRefused("upload_polyglot", _("The PNG image has other data after its end; save it again as a plain image."))
    elif not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise UploadRefused("upload_polyglot", _("The JPEG image has other data after its end; save it again as a plain image."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            expected = "PNG" if media_type == PNG else "JPEG"
            if image.format != expected:
                raise UploadRefused("upload_type", _("The file's content does not match an accepted type."))
            if width * height > MAX_IMAGE_PIXELS:
                raise UploadRefused("upload_too_large", _("The image is too large in pixels."))
            image.verify()
    except UploadRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise UploadRefused("upload_damaged", _("The image file is damaged and cannot be read.")) from exc


def upload_check(data: bytes, *, accept: Sequence[str], max_bytes: int) -> str:
    """The media type of `data` if it may be accepted; raises UploadRefused with a translated reason."""
    unknown = set(accept) - set(MEDIA_TYPES)
    if unknown or not accept:
        raise ValueError(f"unsupported media types in accept: {sorted(unknown)}")
    if len(data) == 0:
        raise UploadRefused("upload_empty", _("The file is empty."))
    if len(data) > max_bytes:
        raise UploadRefused("upload_too_large", _("The file is larger than %(limit)s.") % {"limit": _human_size(max_bytes)})
    media_type = media_type_detect(data)
    allowed = ", ".join(EXTENSIONS[t].lstrip(".").upper() for t in MEDIA_TYPES if t in accept)
    if media_type is None or media_type not in accept:
        raise UploadRefused("upload_type", _("The file must be one of: %(types)s (checked by its content, not its name).") % {"types": allowed})
    if media_type == PDF:
        _check_pdf(data)
    else:
        _check_image(data, media_type)
    return media_type


def filename_sanitise(name: str, *, media_type: str) -> str:
    """A display name safe anywhere: no folders, no control or odd characters, the real extension."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = re.sub(r"[^\w\- ]+", "_", stem).strip(" ._-")
    stem = re.sub(r"[ _]{2,}", "_", stem)[: FILENAME_MAX_CHARS - 5] or "upload"
    return stem + EXTENSIONS[media_type]
