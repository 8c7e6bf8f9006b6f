"""A minimal upload check used only until documents.selectors.upload_sniff exists.

remove when documents.upload_sniff lands (forms.validation then calls that function instead).
"""
from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

_MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


def upload_sniff_minimal(file: UploadedFile, *, accept: Sequence[str], max_bytes: int, label: str) -> str | None:
    """None when `file` is non-empty, at most `max_bytes` and starts like one of `accept`, else a message."""
    size = file.size or 0
    if size == 0:
        return _("“%(label)s”: the selected file is empty.") % {"label": label}
    if size > max_bytes:
        return _("“%(label)s”: the file must be smaller than %(size)s.") % {"label": label, "size": filesizeformat(max_bytes)}
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not any(head.startswith(magic) for kind in accept for magic in _MAGIC.get(kind, ())):
        kinds = ", ".join(_NAMES.get(kind, kind) for kind in accept)
        return _("“%(label)s”: the file must be a %(kinds)s.") % {"label": label, "kinds": kinds}
    return None
