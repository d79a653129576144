"""Render 职业技能等级证书 (vocational skill level certificates) to PDF.

The renderer knows nothing of Flask or the database: callers build one :class:`CertificateView` per
certificate, with every field already formatted for print, and call :func:`render_certificates`
(a batch, one A4 landscape page each, in one PDF) or :func:`render_certificate` (one).

Before any layout, :func:`check_font_coverage` checks every printed character against the cmap of
the print font (Noto Serif CJK SC, Debian package ``fonts-noto-cjk``): a rare character in a name
is refused with :class:`MissingGlyphError` rather than printed as a blank box or in a fallback font.

WeasyPrint is imported lazily (its import costs ≈ 0.6 s) and one module-level ``FontConfiguration``
is reused for every render (a new one per render makes memory grow). Renders in one process are
serialised by a lock because that configuration wraps a shared fontconfig/Pango font map.
A document's memory grows with its pages: batch callers should render in chunks of a few hundred.
"""

from __future__ import annotations

import base64
import functools
import io
import math
import subprocess
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import segno

if TYPE_CHECKING:
    from weasyprint import CSS, Document
    from weasyprint.text.fonts import FontConfiguration

__all__ = [
    "CertificateView",
    "InternationalView",
    "FontNotInstalledError",
    "LayoutOverflowError",
    "MissingGlyphError",
    "check_font_coverage",
    "format_date_en",
    "format_date_zh",
    "printed_fields",
    "render_certificate",
    "render_certificates",
]

TITLE = "职业技能等级证书"
EMPTY_TRADE = "--"
# Every printed field is set in this family (see certificate.css); the coverage check reads its cmap.
PRINT_FONT_FAMILY = "Noto Serif CJK SC"
# Weights the stylesheet uses for fields; each resolves to its own font file.
PRINT_FONT_STYLES = ("regular", "bold")
FONT_PACKAGE = "fonts-noto-cjk"
# Images are downsampled to this resolution in the PDF, so a 12-megapixel phone photo costs little.
MAX_IMAGE_DPI = 300

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = _PROJECT_ROOT / "templates"
TEMPLATE_NAME = "evaluation/certificate_pdf.html"
STYLESHEET_PATH = _PROJECT_ROOT / "static" / "evaluation" / "certificate.css"

_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
# HTML collapses these to a space (or drops them), so they never need a glyph of their own.
_COLLAPSIBLE_WHITESPACE = frozenset(" \t\n\r\f")

# Chinese names of the printed fields, for error messages.
FIELD_LABELS_ZH: dict[str, str] = {
    "name": "姓名",
    "name_en": "英文姓名",
    "id_type_label": "证件类型",
    "id_number": "证件号码",
    "occupation": "职业名称",
    "trade": "工种/职业方向",
    "grade_label": "职业技能等级",
    "grade_label_en": "英文职业技能等级",
    "certificate_number": "证书编号",
    "verification_code": "查验码",
    "body_name": "评价机构",
    "issue_date": "发证日期",
    "issue_date_en": "英文发证日期",
    "intl_number": "国际证书编号",
    "intl_event": "赛事名称",
    "intl_event_en": "英文赛事名称",
    "intl_skill": "竞赛项目",
    "intl_skill_en": "英文竞赛项目",
    "intl_result": "竞赛成绩",
    "intl_result_en": "英文竞赛成绩",
    "intl_nationality": "国籍",
}

# English names of the printed fields, for error messages.
FIELD_LABELS_EN: dict[str, str] = {
    "name": "name", "name_en": "name in English", "id_type_label": "ID type", "id_number": "ID number",
    "occupation": "occupation", "trade": "trade / direction", "grade_label": "grade",
    "grade_label_en": "grade in English", "certificate_number": "certificate number",
    "verification_code": "verification code", "body_name": "evaluation body", "issue_date": "date of issue",
    "issue_date_en": "date of issue in English", "intl_number": "international certificate number",
    "intl_event": "event", "intl_event_en": "event in English", "intl_skill": "skill",
    "intl_skill_en": "skill in English", "intl_result": "result", "intl_result_en": "result in English",
    "intl_nationality": "nationality",
}

_REQUIRED_TEXT_FIELDS = (
    "name", "id_type_label", "id_number", "occupation", "grade_label",
    "certificate_number", "verification_code", "body_name", "qr_payload",
)


class MissingGlyphError(ValueError):
    """A printed character has no glyph in the print font, so the certificate is refused.

    Attributes: ``char`` (the character), ``codepoint`` (``'U+20BB7'``), ``field`` (the
    :class:`CertificateView` field, e.g. ``'name'``), ``certificate_number`` and ``font_family``.
    """

    def __init__(self, char: str, field: str, certificate_number: str | None = None,
                 font_family: str = PRINT_FONT_FAMILY) -> None:
        self.char = char
        self.codepoint = f"U+{ord(char):04X}"
        self.field = field
        self.certificate_number = certificate_number
        self.font_family = font_family
        label_zh = FIELD_LABELS_ZH.get(field, field)
        which = f"证书 {certificate_number} 的" if certificate_number else ""
        which_en = f" of certificate {certificate_number}" if certificate_number else ""
        super().__init__(
            f"{which}「{label_zh}」字段中的字符「{char}」（{self.codepoint}）在字体 {font_family} 中没有字形，"
            f"拒绝打印，以免印出空白方框。"
            f" / Character '{char}' ({self.codepoint}) in field '{field}'{which_en} has no glyph in "
            f"the font {font_family}; refusing to print a blank box."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Keeps the error intact across process pools (batch CLI workers).
        return (type(self), (self.char, self.field, self.certificate_number, self.font_family))


class FontNotInstalledError(RuntimeError):
    """The print font (Noto Serif CJK SC) is not installed; install the Debian package fonts-noto-cjk."""


class LayoutOverflowError(ValueError):
    """A certificate's content did not fit on one A4 page (a field is far too long)."""

    def __init__(self, certificate_number: str) -> None:
        self.certificate_number = certificate_number
        super().__init__(
            f"证书 {certificate_number} 的内容超出一页 A4，请缩短过长的字段。"
            f" / Certificate {certificate_number} does not fit on one A4 page; shorten the longest field."
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class InternationalView:
    """The international certificate linked to a grade certificate ("一试双证", 一带一路 events): printed
    as the page after it, English first, naming the grade certificate's number. Required fields non-blank."""

    number: str
    event_name: str
    event_name_en: str
    skill_name: str
    skill_name_en: str
    result: str
    result_en: str
    nationality: str

    def __post_init__(self) -> None:
        for field_name in ("number", "event_name_en", "skill_name_en", "result_en"):
            value = getattr(self, field_name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"InternationalView.{field_name} must be a non-blank string, got {value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateView:
    """One certificate, every field already formatted for print.

    Required text fields must be non-blank; ``trade`` may be empty or None (printed as ``--``);
    ``photo``, when given, must be complete JPEG or PNG bytes (a truncated upload would otherwise
    print a partly grey photo). ``name_en``, ``grade_label_en`` and the English date are printed
    only when ``bilingual`` (一带一路 events). ``reprint`` adds a small 补打 / REPRINT marker.
    ``international``, when given, adds a second page: the linked international certificate.
    Raises ``ValueError``/``TypeError`` on construction when a contract is broken.
    """

    name: str
    id_type_label: str
    id_number: str
    occupation: str
    trade: str | None
    grade_label: str
    certificate_number: str
    verification_code: str
    body_name: str
    issue_date: date
    qr_payload: str
    name_en: str | None = None
    grade_label_en: str | None = None
    photo: bytes | None = None
    bilingual: bool = False
    reprint: bool = False
    international: InternationalView | None = None

    @property
    def page_count(self) -> int:
        return 2 if self.international is not None else 1

    def __post_init__(self) -> None:
        for field_name in _REQUIRED_TEXT_FIELDS:
            value = getattr(self, field_name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"CertificateView.{field_name} must be a non-blank string, got {value!r}")
        if not isinstance(self.issue_date, date):
            raise TypeError(f"CertificateView.issue_date must be a date, got {self.issue_date!r}")
        if self.photo is not None:
            _check_photo(self.photo)


def format_date_zh(value: date) -> str:
    """``date(2026, 11, 23)`` -> ``'2026年11月23日'`` (no zero padding, as on Chinese certificates)."""
    return f"{value.year}年{value.month}月{value.day}日"


def format_date_en(value: date) -> str:
    """``date(2026, 11, 23)`` -> ``'23 November 2026'``, independent of the process locale."""
    return f"{value.day} {_ENGLISH_MONTHS[value.month - 1]} {value.year}"


def printed_fields(view: CertificateView) -> dict[str, str]:
    """Return every text the certificate prints from ``view``, keyed by field name, in print order.

    This is the single source for both the template and :func:`check_font_coverage`, so what is
    checked is exactly what is printed. ``trade`` becomes ``'--'`` when empty; English fields
    appear only for bilingual certificates.
    """
    trade = view.trade if view.trade and view.trade.strip() else EMPTY_TRADE
    fields = {
        "name": view.name,
        "id_type_label": view.id_type_label,
        "id_number": view.id_number,
        "occupation": view.occupation,
        "trade": trade,
        "grade_label": view.grade_label,
        "certificate_number": view.certificate_number,
        "verification_code": view.verification_code,
        "body_name": view.body_name,
        "issue_date": format_date_zh(view.issue_date),
    }
    if view.bilingual:
        if view.name_en and view.name_en.strip():
            fields["name_en"] = view.name_en
        if view.grade_label_en and view.grade_label_en.strip():
            fields["grade_label_en"] = view.grade_label_en
        fields["issue_date_en"] = format_date_en(view.issue_date)
    intl = view.international
    if intl is not None:
        fields.update({
            "intl_number": intl.number, "intl_event": intl.event_name, "intl_event_en": intl.event_name_en,
            "intl_skill": intl.skill_name, "intl_skill_en": intl.skill_name_en, "intl_result": intl.result,
            "intl_result_en": intl.result_en, "intl_nationality": intl.nationality,
        })
        fields.setdefault("name_en", view.name_en or view.name)
        fields.setdefault("grade_label_en", view.grade_label_en or view.grade_label)
        fields.setdefault("issue_date_en", format_date_en(view.issue_date))
    return {key: value for key, value in fields.items() if value is not None}


# --- font coverage -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _FontCoverage:
    family: str
    files: tuple[str, ...]
    codepoints: frozenset[int]
    variation_sequences: frozenset[tuple[int, int]]


def _is_variation_selector(codepoint: int) -> bool:
    return 0xFE00 <= codepoint <= 0xFE0F or 0xE0100 <= codepoint <= 0xE01EF


def _match_font_file(family: str, style: str) -> tuple[str, int]:
    """Ask fontconfig which file and face it uses for ``family`` in ``style``; raise if not that family."""
    pattern = f"{family}:{style}" if style != "regular" else family
    try:
        result = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{index}\n%{family}", pattern],
            capture_output=True, text=True, check=True, timeout=30,
        )
    except (FileNotFoundError, subprocess.CalledProcessError) as error:
        raise FontNotInstalledError(
            f"无法查询字体（fc-match 不可用）：请安装 Debian 软件包 fontconfig 和 {FONT_PACKAGE}。"
            f" / Cannot query fonts (fc-match failed: {error}); install the Debian packages fontconfig "
            f"and {FONT_PACKAGE}."
        ) from error
    path, index, families = (result.stdout.split("\n") + ["", "", ""])[:3]
    if family not in (name.strip() for name in families.split(",")) or not Path(path).is_file():
        raise FontNotInstalledError(
            f"未安装证书字体 {family}（fontconfig 返回的是 {families or '无'}）：请安装 Debian 软件包 "
            f"{FONT_PACKAGE}（apt-get install {FONT_PACKAGE}）。"
            f" / The certificate font {family} is not installed (fontconfig offers {families or 'nothing'} "
            f"instead): install the Debian package {FONT_PACKAGE} (apt-get install {FONT_PACKAGE})."
        )
    return path, int(index or 0)


@functools.cache
def _font_coverage(family: str = PRINT_FONT_FAMILY) -> _FontCoverage:
    """Characters (and variation sequences) that every face of ``family`` used in print maps; cached."""
    from fontTools.ttLib import TTFont

    files: list[str] = []
    codepoints: set[int] | None = None
    sequences: set[tuple[int, int]] | None = None
    for style in PRINT_FONT_STYLES:
        path, index = _match_font_file(family, style)
        with TTFont(path, fontNumber=index, lazy=True) as font:
            face_codepoints = set(font.getBestCmap())
            face_sequences = {
                (base, selector)
                for table in font["cmap"].tables if table.format == 14
                for selector, mappings in table.uvsDict.items()
                for base, _glyph in mappings
            }
        files.append(f"{path}#{index}")
        codepoints = face_codepoints if codepoints is None else codepoints & face_codepoints
        sequences = face_sequences if sequences is None else sequences & face_sequences
    return _FontCoverage(family, tuple(files), frozenset(codepoints or ()), frozenset(sequences or ()))


def check_font_coverage(views: Iterable[CertificateView]) -> None:
    """Check that the print font has a glyph for every printed character of every view.

    Checks each field of :func:`printed_fields` against the cmap of every face of Noto Serif CJK SC
    the stylesheet uses (as fontconfig resolves it); a variation selector must form a sequence the
    font supports. Raises :class:`MissingGlyphError` for the first character without a glyph and
    :class:`FontNotInstalledError` when the font is not installed. Returns None when all is covered.
    """
    coverage = _font_coverage()
    for view in views:
        for field, text in printed_fields(view).items():
            previous: int | None = None
            for char in text:
                codepoint = ord(char)
                if char in _COLLAPSIBLE_WHITESPACE:
                    pass
                elif _is_variation_selector(codepoint):
                    if previous is None or (previous, codepoint) not in coverage.variation_sequences:
                        raise MissingGlyphError(char, field, view.certificate_number, coverage.family)
                elif codepoint not in coverage.codepoints:
                    raise MissingGlyphError(char, field, view.certificate_number, coverage.family)
                previous = codepoint


# --- page content --------------------------------------------------------------------------------

def _image_mime_type(data: bytes) -> str | None:
    if data.startswith(_JPEG_MAGIC):
        return "image/jpeg"
    if data.startswith(_PNG_MAGIC):
        return "image/png"
    return None


def _image_is_complete(data: bytes) -> bool:
    """Whether a JPEG or PNG file runs to its end marker (it was not cut off in upload or storage).

    Checked on the bytes because Pillow's own check is off once WeasyPrint is imported (it sets the
    process-wide ``ImageFile.LOAD_TRUNCATED_IMAGES``) and would print the missing part grey.
    """
    if data.startswith(_PNG_MAGIC):
        position = len(_PNG_MAGIC)
        while position + 8 <= len(data):
            length = int.from_bytes(data[position:position + 4], "big")
            chunk_type = data[position + 4:position + 8]
            position += 12 + length  # length, type, data, CRC
            if chunk_type == b"IEND":
                return position <= len(data)
        return False
    # JPEG: entropy-coded data cannot contain FF D9 (FF is byte-stuffed), so the image ends with
    # an EOI marker after its last start-of-scan marker unless the file was truncated.
    return data.rfind(b"\xff\xd9") > data.rfind(b"\xff\xda") > 0


def _check_photo(data: bytes) -> None:
    """Raise ValueError unless ``data`` is a complete JPEG or PNG image that Pillow can decode."""
    if not isinstance(data, bytes) or _image_mime_type(data) is None:
        raise ValueError("CertificateView.photo must be JPEG or PNG bytes")
    if not _image_is_complete(data):
        raise ValueError("CertificateView.photo is not a readable JPEG or PNG image: the file is truncated")
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (400, 400))  # JPEG: decode at reduced scale, which is enough to check
            image.load()
    except (OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValueError(f"CertificateView.photo is not a readable JPEG or PNG image: {error}") from error


def _data_uri(mime_type: str, data: bytes) -> str:
    return f"data:{mime_type};base64,{base64.b64encode(data).decode('ascii')}"


def _qr_code_data_uri(payload: str) -> str:
    """An SVG data URI of the QR code for ``payload`` (error correction M, no quiet zone: CSS pads it)."""
    qr = segno.make(payload, error="m", micro=False)
    return qr.svg_data_uri(border=0, omitsize=True, dark="#000000")


# Guilloché watermark: drawn once per process with Pillow (as a raster it is embedded once per PDF;
# as SVG it would be redrawn, point by point, on every page, which tripled the render time).
_GUILLOCHE_SIZE_MM = 125
_GUILLOCHE_DPI = 150
_PAPER_RGB = (0xFF, 0xFD, 0xF6)  # --paper in certificate.css
_GUILLOCHE_STROKES = (  # fixed-circle radius, rolling radius, pen offset, colour, width (of 400 units)
    (150, 41, 52.0, (0xB0, 0x8A, 0x3E), 0.6),
    (120, 33, 60.0, (0x9A, 0x1C, 0x1F), 0.45),
    (96, 21, 34.0, (0xB0, 0x8A, 0x3E), 0.45),
)


@functools.cache
def _guilloche_data_uri() -> str:
    """A faint guilloché rosette (hypotrochoids, as engraved on diplomas) as a JPEG data URI on paper colour."""
    from PIL import Image, ImageDraw

    supersample = 3
    size = round(_GUILLOCHE_SIZE_MM / 25.4 * _GUILLOCHE_DPI)
    canvas = size * supersample
    unit = canvas / 400
    image = Image.new("RGB", (canvas, canvas), _PAPER_RGB)
    draw = ImageDraw.Draw(image)
    for fixed, rolling, pen, colour, width in _GUILLOCHE_STROKES:
        faint = tuple(round(p + (c - p) * 0.2) for p, c in zip(_PAPER_RGB, colour, strict=True))
        turns = rolling // math.gcd(fixed, rolling)
        steps = 3600
        points = []
        for step in range(steps + 1):
            t = 2 * math.pi * turns * step / steps
            x = (fixed - rolling) * math.cos(t) + pen * math.cos((fixed - rolling) / rolling * t)
            y = (fixed - rolling) * math.sin(t) - pen * math.sin((fixed - rolling) / rolling * t)
            points.append((canvas / 2 + x * unit, canvas / 2 + y * unit))
        draw.line(points, fill=faint, width=max(1, round(width * unit * 1.2)))
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # JPEG: ≈ 60 KB per PDF, where WeasyPrint re-encodes any PNG as ≈ 280 KB of RGB. 4:4:4 keeps
    # the flat paper colour exact, so the image's edge does not show.
    image.save(buffer, format="JPEG", quality=82, subsampling=0, optimize=True)
    return _data_uri("image/jpeg", buffer.getvalue())


def _page_context(view: CertificateView, index: int) -> dict[str, Any]:
    fields = printed_fields(view)
    return {
        "anchor": f"certificate-{index}",
        "fields": fields,
        "bilingual": view.bilingual,
        "reprint": view.reprint,
        "international": view.international is not None,
        "photo_uri": _data_uri(_image_mime_type(view.photo) or "", view.photo) if view.photo else None,
        "qr_uri": _qr_code_data_uri(view.qr_payload),
    }


@functools.cache
def _jinja_environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_certificates_html(views: Sequence[CertificateView], guilloche_uri: str | None = None) -> str:
    """The HTML WeasyPrint lays out for ``views`` (for debugging and previews; no font check).
    ``guilloche_uri`` lets a batch worker reuse the watermark its parent drew."""
    template = _jinja_environment().get_template(TEMPLATE_NAME)
    return template.render(
        title=TITLE,
        certificates=[_page_context(view, index) for index, view in enumerate(views)],
        guilloche_uri=guilloche_uri or _guilloche_data_uri(),
    )


def guilloche_data_uri() -> str:
    """The watermark as a data URI (drawn once per process), to hand to batch workers."""
    return _guilloche_data_uri()


# --- WeasyPrint ----------------------------------------------------------------------------------

_RENDER_LOCK = threading.Lock()
# Sub-pixel rounding between the two layout markers is not an overflow.
_LAYOUT_TOLERANCE_PX = 0.5
_FONT_CONFIG: FontConfiguration | None = None
_STYLESHEET: CSS | None = None


def _shared_font_config() -> FontConfiguration:
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


def _stylesheet() -> CSS:
    global _STYLESHEET
    if _STYLESHEET is None:
        from weasyprint import CSS

        _STYLESHEET = CSS(filename=str(STYLESHEET_PATH))
    return _STYLESHEET


def _check_layout(document: Document, views: Sequence[CertificateView]) -> None:
    """Raise LayoutOverflowError unless each certificate's pages hold exactly its own content, fields above
    footer: its grade certificate page, then (when it has one) its international certificate page.

    The template marks the end of each page's fields (``certificate-<i>-end``, ``intl-<i>-end``) and its
    footer pinned to the frame bottom (``…-foot``). ``Page.anchors`` maps names to boxes whose second item
    is the top edge (documented as (x, y), given as (x1, y1, x2, y2) in WeasyPrint 70).
    """
    page = 0
    for index, view in enumerate(views):
        prefixes = ["certificate"] + (["intl"] if view.international is not None else [])
        for prefix in prefixes:
            anchors = document.pages[page].anchors if page < len(document.pages) else {}
            end = anchors.get(f"{prefix}-{index}-end")
            foot = anchors.get(f"{prefix}-{index}-foot")
            if end is None or foot is None or end[1] > foot[1] + _LAYOUT_TOLERANCE_PX:
                raise LayoutOverflowError(view.certificate_number)
            page += 1
    if len(document.pages) != page:
        raise LayoutOverflowError(views[-1].certificate_number)


def render_certificates(
    views: Sequence[CertificateView], *, font_config: FontConfiguration | None = None,
    check_fonts: bool = True, guilloche_uri: str | None = None,
) -> bytes:
    """Render ``views`` into ONE PDF, one A4 landscape page per certificate (two when it has a linked
    international certificate), in order; return its bytes.

    Calls :func:`check_font_coverage` first (raises :class:`MissingGlyphError` or
    :class:`FontNotInstalledError`) unless ``check_fonts`` is False, which only a batch worker whose
    parent already checked the same views may pass. Raises ``ValueError`` for an empty sequence and
    :class:`LayoutOverflowError` when a certificate does not fit on its page. ``font_config``
    defaults to one process-wide ``FontConfiguration``. No network access: only data URIs load.
    """
    views = list(views)
    if not views:
        raise ValueError("render_certificates needs at least one CertificateView")
    if check_fonts:
        check_font_coverage(views)
    html = render_certificates_html(views, guilloche_uri)

    import weasyprint
    from weasyprint.urls import URLFetcher

    # Everything the page needs is inline; refuse any other URL and fail rather than print a gap.
    fetcher = URLFetcher(allowed_protocols=("data",), fail_on_errors=True)
    with _RENDER_LOCK:
        document = weasyprint.HTML(string=html, url_fetcher=fetcher).render(
            font_config=font_config or _shared_font_config(),
            stylesheets=[_stylesheet()],
            dpi=MAX_IMAGE_DPI,
        )
        _check_layout(document, views)
        return document.write_pdf(dpi=MAX_IMAGE_DPI)


def render_certificate(view: CertificateView, *, font_config: FontConfiguration | None = None) -> bytes:
    """Render one certificate to a one-page PDF; same contract as :func:`render_certificates`."""
    return render_certificates([view], font_config=font_config)
