"""A small PDF document builder (reportlab): title, subtitle, sections of paragraphs, label/value
pairs and tables, a footer with the verification code on every page and a QR code to the
verification page on the first.

Text is set in DejaVu Sans (TrueType, embedded as a subset) so Greek, Cyrillic and Polish letters
render and stay extractable. Callers pass finished, translated strings; the builder escapes them.
"""
from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

FONT = "PronoiaSans"
FONT_BOLD = "PronoiaSans-Bold"
_FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
# Debian/Ubuntu (fonts-dejavu-core), Fedora, Arch, Alpine, macOS Homebrew.
_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/ttf-dejavu",
    "/usr/local/share/fonts",
    "/opt/homebrew/share/fonts",
)


class FontMissing(RuntimeError):
    pass


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    # Indexes of columns holding numbers (right-aligned).
    numeric: tuple[int, ...] = ()
    # Relative column widths; equal when empty.
    widths: tuple[float, ...] = ()


@dataclass
class Section:
    heading: str = ""
    paragraphs: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class DocumentSpec:
    title: str
    subtitle: str
    sections: list[Section]
    issuer: str
    issued_at: str                 # already formatted for the reader
    verification_code: str         # as displayed (grouped)
    verify_url: str                # absolute URL the QR code carries
    footer_note: str               # e.g. "Verify this document at ... with code ..."
    language: str = "en"
    author: str = ""


def _font_path(filename: str) -> Path:
    """Find a DejaVu font file: PRONOIA_FONT_DIR, the usual system folders, then fontconfig."""
    directories = [os.environ.get("PRONOIA_FONT_DIR", ""), *_FONT_DIRS]
    for directory in filter(None, directories):
        candidate = Path(directory) / filename
        if candidate.is_file():
            return candidate
        # Some distributions nest fonts one level deeper.
        base = Path(directory)
        if base.is_dir():
            for nested in base.glob(f"*/{filename}"):
                return nested
    if shutil.which("fc-match"):
        family = "DejaVu Sans:bold" if "Bold" in filename else "DejaVu Sans"
        try:
            found = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True, timeout=5).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found and Path(found).name == filename and Path(found).is_file():
            return Path(found)
    raise FontMissing(
        f"Font {filename} not found. Install it (Debian: apt-get install fonts-dejavu-core) or set PRONOIA_FONT_DIR to a folder holding it."
    )


@functools.cache
def fonts_register() -> None:
    """Register the TrueType fonts with reportlab once per process (fonts never change)."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, filename in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(_font_path(filename))))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT)
    addMapping(FONT, 1, 1, FONT_BOLD)


def _styles():
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    ink = colors.HexColor("#0b0c0c")
    return {
        "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=17, leading=21, textColor=ink, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", fontName=FONT, fontSize=10.5, leading=14, textColor=colors.HexColor("#505a5f"), spaceAfter=10),
        "heading": ParagraphStyle("heading", fontName=FONT_BOLD, fontSize=12, leading=15, textColor=ink, spaceBefore=10, spaceAfter=5),
        "body": ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, textColor=ink, spaceAfter=5),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=11, textColor=ink),
        "cell_right": ParagraphStyle("cell_right", fontName=FONT, fontSize=8.5, leading=11, textColor=ink, alignment=2),
        "cell_head": ParagraphStyle("cell_head", fontName=FONT_BOLD, fontSize=8.5, leading=11, textColor=ink),
        "cell_head_right": ParagraphStyle("cell_head_right", fontName=FONT_BOLD, fontSize=8.5, leading=11, textColor=ink, alignment=2),
        "label": ParagraphStyle("label", fontName=FONT_BOLD, fontSize=9.5, leading=13, textColor=ink),
    }


def _text(value: str) -> str:
    return escape(str(value)).replace("\n", "<br/>")


def _draw_qr(canvas, data: str, *, x: float, y: float, size: float) -> None:
    """Draw a QR code as vector squares (crisp at any zoom, no image decoding)."""
    import segno

    qr = segno.make(data, error="m", micro=False)
    matrix = list(qr.matrix_iter(scale=1, border=2))
    modules = len(matrix)
    cell = size / modules
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                canvas.rect(x + col_index * cell, y + size - (row_index + 1) * cell, cell, cell, stroke=0, fill=1)
    canvas.restoreState()


def pdf_render(spec: DocumentSpec) -> bytes:
    """The document as PDF bytes (A4)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
    from reportlab.platypus import Table as RLTable
    from reportlab.platypus import TableStyle

    fonts_register()
    styles = _styles()
    page_width, page_height = A4
    margin = 18 * mm
    qr_size = 28 * mm
    content_width = page_width - 2 * margin

    # The title block keeps clear of the QR code in the first page's top-right corner.
    styles["title"].rightIndent = styles["subtitle"].rightIndent = qr_size + 4 * mm
    story: list = [
        Paragraph(_text(spec.title), styles["title"]),
        Paragraph(_text(spec.subtitle), styles["subtitle"]),
    ]
    for section in spec.sections:
        if section.heading:
            story.append(Paragraph(_text(section.heading), styles["heading"]))
        for paragraph in section.paragraphs:
            story.append(Paragraph(_text(paragraph), styles["body"]))
        if section.pairs:
            rows = [[Paragraph(_text(label), styles["label"]), Paragraph(_text(value), styles["body"])] for label, value in section.pairs]
            pairs = RLTable(rows, colWidths=[content_width * 0.35, content_width * 0.65], hAlign="LEFT")
            pairs.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2), ("TOPPADDING", (0, 0), (-1, -1), 2)]))
            story.append(pairs)
        for table in section.tables:
            columns = len(table.header)
            weights = table.widths or tuple(1.0 for _ in range(columns))
            total = sum(weights)
            widths = [content_width * w / total for w in weights]

            def cell(value: str, index: int) -> Paragraph:
                return Paragraph(_text(value), styles["cell_right" if index in table.numeric else "cell"])

            data = [[Paragraph(_text(h), styles["cell_head_right" if i in table.numeric else "cell_head"]) for i, h in enumerate(table.header)]]
            data += [[cell(v, i) for i, v in enumerate(row)] for row in table.rows]
            rl_table = RLTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
            rl_table.setStyle(
                TableStyle(
                    [
                        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#0b0c0c")),
                        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#b1b4b6")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("TOPPADDING", (0, 0), (-1, -1), 2),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                    ]
                )
            )
            story.append(Spacer(1, 3))
            story.append(rl_table)
            story.append(Spacer(1, 6))

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColorRGB(0.2, 0.2, 0.2)
        canvas.drawString(margin, 12 * mm, spec.footer_note[:180])
        canvas.drawString(margin, 8.5 * mm, f"{spec.issuer} · {spec.issued_at}"[:180])
        canvas.drawRightString(page_width - margin, 8.5 * mm, f"{doc.page}")
        canvas.restoreState()

    def first_page(canvas, doc) -> None:
        _draw_qr(canvas, spec.verify_url, x=page_width - margin - qr_size, y=page_height - margin - qr_size + 6 * mm, size=qr_size)
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.drawRightString(page_width - margin, page_height - margin - qr_size + 3.5 * mm, spec.verification_code)
        canvas.restoreState()
        footer(canvas, doc)

    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=20 * mm,
        title=spec.title,
        author=spec.author or spec.issuer,
        subject=spec.subtitle,
        lang=spec.language,
    )
    template.build(story, onFirstPage=first_page, onLaterPages=footer)
    return buffer.getvalue()

