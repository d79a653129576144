"""Tests for evaluation.printing: the 职业技能等级证书 PDF renderer.

The PDFs are read back with poppler-utils (pdftotext, pdfinfo, pdffonts, pdfimages, pdftoppm), as a
person or a printer would see them, not through WeasyPrint's own objects.
"""

from __future__ import annotations

import dataclasses
import io
import pickle
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from evaluation.printing import (
    CertificateView,
    FontNotInstalledError,
    LayoutOverflowError,
    MissingGlyphError,
    _font_coverage,
    check_font_coverage,
    printed_fields,
    render_certificate,
    render_certificates,
)

TITLE = "职业技能等级证书"
PNG_DPI = 50
# Where the name is printed on the Chinese-only layout, in mm from the page's top-left corner
# (A4 landscape: 297 × 210 mm), and a part of the same table row that stays empty.
NAME_REGION_MM = (120, 50, 150, 60)
EMPTY_REGION_MM = (190, 50, 240, 60)


def make_view(**changes: object) -> CertificateView:
    """A realistic Chinese-only certificate; keyword arguments replace fields."""
    view = CertificateView(
        name="王淼垚",
        id_type_label="居民身份证",
        id_number="500101199001011234",
        occupation="电工",
        trade=None,
        grade_label="四级/中级工",
        certificate_number="S000050123456263000017",
        verification_code="7K3Q-9XPA",
        body_name="重庆市职业技能鉴定指导中心",
        issue_date=date(2026, 11, 23),
        qr_payload="https://saiping.example.cn/v/S000050123456263000017?c=7K3Q9XPA",
    )
    return dataclasses.replace(view, **changes)


def make_bilingual_view(**changes: object) -> CertificateView:
    """A 一带一路 certificate printed in Chinese and English; keyword arguments replace fields."""
    fields: dict[str, object] = {
        "name": "阿卜杜拉·卡里莫夫",
        "name_en": "Abdulla Karimov",
        "id_type_label": "护照 Passport",
        "id_number": "FA1234567",
        "occupation": "焊工",
        "trade": "焊接（电焊）",
        "grade_label": "三级/高级工",
        "grade_label_en": "Level 3 / Senior Worker",
        "certificate_number": "S000050123456263000018",
        "body_name": "重庆工程职业技术学院",
        "bilingual": True,
    }
    return make_view(**{**fields, **changes})


def photo_bytes(image_format: str = "JPEG", size: tuple[int, int] = (295, 413)) -> bytes:
    """A synthetic portrait in ``image_format``, ``size`` pixels."""
    image = Image.new("RGB", size, (200, 215, 235))
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


def write_pdf(pdf: bytes, directory: Path, name: str = "certificates.pdf") -> Path:
    path = directory / name
    path.write_bytes(pdf)
    return path


def run(*command: str | Path) -> str:
    return subprocess.run([str(part) for part in command], capture_output=True, text=True, check=True).stdout


def pdf_text(pdf: bytes, directory: Path) -> str:
    return run("pdftotext", "-layout", write_pdf(pdf, directory), "-")


def pdf_page_count(pdf: bytes, directory: Path) -> int:
    info = run("pdfinfo", write_pdf(pdf, directory))
    match = re.search(r"^Pages:\s+(\d+)$", info, flags=re.MULTILINE)
    assert match, info
    return int(match.group(1))


def dark_share(image: Image.Image, box_mm: tuple[float, float, float, float] | None = None) -> float:
    """Share of pixels darker than mid-grey, in the whole image or in ``box_mm``."""
    if box_mm is not None:
        scale = PNG_DPI / 25.4
        image = image.crop(tuple(round(value * scale) for value in box_mm))
    histogram = image.convert("L").histogram()
    return sum(histogram[:128]) / sum(histogram)


@pytest.fixture(scope="module")
def two_certificates() -> bytes:
    """Two Chinese-only certificates in one PDF: one without trade (None), one with an empty trade."""
    return render_certificates([
        make_view(),
        make_view(name="李晓雯", trade="", certificate_number="S000050123456263000019"),
    ])


@pytest.fixture(scope="module")
def bilingual_certificate() -> bytes:
    """A bilingual reprint with a phone-camera-sized photo."""
    return render_certificate(make_bilingual_view(photo=photo_bytes(size=(1500, 2100)), reprint=True))


# --- content -------------------------------------------------------------------------------------

def test_batch_prints_required_content_one_page_each(two_certificates: bytes, tmp_path: Path) -> None:
    text = pdf_text(two_certificates, tmp_path)

    assert text.count(TITLE) == 2
    assert "王淼垚" in text and "李晓雯" in text
    assert text.count("四级/中级工") == 2
    assert "S000050123456263000017" in text and "S000050123456263000019" in text
    assert "500101199001011234" in text  # the full ID number, as the rule requires
    assert len(re.findall(r"工种/职业方向\s+--\s*$", text, flags=re.MULTILINE)) == 2
    assert text.count("重庆市职业技能鉴定指导中心") == 2
    assert "经评价，该同志（职业技能等级）为：" in text
    assert "2026年11月23日" in text
    assert "补打" not in text and "Occupation" not in text
    assert pdf_page_count(two_certificates, tmp_path) == 2


def test_page_is_not_blank_and_shows_the_name(two_certificates: bytes, tmp_path: Path) -> None:
    run("pdftoppm", "-r", str(PNG_DPI), "-png", "-f", "1", "-l", "1", "-singlefile",
        write_pdf(two_certificates, tmp_path), tmp_path / "page")
    with Image.open(tmp_path / "page.png") as page:
        page.load()

    assert page.size == (585, 414)  # A4 landscape at 50 dpi
    assert 0.01 < dark_share(page) < 0.25
    assert dark_share(page, NAME_REGION_MM) > 0.03
    assert dark_share(page, EMPTY_REGION_MM) < 0.005


def test_only_the_checked_font_is_embedded(two_certificates: bytes, tmp_path: Path) -> None:
    """No character fell back to another font (which check_font_coverage would not have checked)."""
    fonts = run("pdffonts", write_pdf(two_certificates, tmp_path)).splitlines()[2:]

    names = {line.split()[0].split("+", 1)[-1] for line in fonts}
    assert names == {"Noto-Serif-CJK-SC", "Noto-Serif-CJK-SC-Bold"}


def test_bilingual_certificate_shows_english_too(bilingual_certificate: bytes, tmp_path: Path) -> None:
    text = pdf_text(bilingual_certificate, tmp_path)

    assert TITLE in text
    for english in ("Name", "ID Type", "Occupation", "Trade / Specialty", "Certificate No.",
                    "Evaluation Body", "Date of Issue", "Verification code", "Scan to verify",
                    "Abdulla Karimov", "Level 3 / Senior Worker", "23 November 2026"):
        assert english in text, english
    assert "阿卜杜拉·卡里莫夫" in text and "三级/高级工" in text and "2026年11月23日" in text
    assert "补打" in text and "REPRINT" in text
    assert pdf_page_count(bilingual_certificate, tmp_path) == 1


def test_photo_is_embedded_downsampled_to_print_resolution(bilingual_certificate: bytes, tmp_path: Path) -> None:
    images = run("pdfimages", "-list", write_pdf(bilingual_certificate, tmp_path)).splitlines()[2:]

    assert len(images) == 2  # the photo and the guilloché watermark
    photo = next(line.split() for line in images if int(line.split()[4]) > int(line.split()[3]))
    width, height, x_ppi = int(photo[3]), int(photo[4]), int(photo[12])
    assert width < 300 and height < 420  # 1500 × 2100 brought down to ≈ 300 dpi for 25 × 35 mm
    assert 250 <= x_ppi <= 305


def test_field_text_is_printed_literally_not_as_markup(tmp_path: Path) -> None:
    text = pdf_text(render_certificate(make_view(occupation="电工<b>高压</b>&amp;")), tmp_path)

    assert "电工<b>高压</b>&amp;" in text


def test_png_photo_is_accepted(tmp_path: Path) -> None:
    pdf = render_certificate(make_view(photo=photo_bytes("PNG")))

    assert pdf_page_count(pdf, tmp_path) == 1


# --- refusing what cannot be printed -------------------------------------------------------------

def test_character_without_glyph_is_refused_naming_char_and_field() -> None:
    view = make_view(name="龙𪚥")  # U+2A6A5, CJK Extension B, not in Noto CJK

    with pytest.raises(MissingGlyphError) as caught:
        render_certificates([make_view(), view])

    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.char, error.codepoint, error.field) == ("𪚥", "U+2A6A5", "name")
    assert error.certificate_number == view.certificate_number
    message = str(error)
    assert "U+2A6A5" in message and "姓名" in message and "no glyph" in message and "拒绝打印" in message


def test_missing_glyph_in_another_field_names_that_field() -> None:
    with pytest.raises(MissingGlyphError) as caught:
        check_font_coverage([make_bilingual_view(body_name="重庆\U0002A6A5培训中心")])

    assert caught.value.field == "body_name"


def test_missing_glyph_error_survives_a_process_pool() -> None:
    error = MissingGlyphError("𪚥", "name", "S000050123456263000017")

    copy = pickle.loads(pickle.dumps(error))

    assert (copy.char, copy.codepoint, copy.field, str(copy)) == (
        error.char, error.codepoint, error.field, str(error))


def test_rare_characters_the_font_has_are_accepted() -> None:
    # 𠮷 (U+20BB7) and 䶮 (U+4DAE) are in Noto CJK; so are 通用规范汉字表 name characters beyond the BMP.
    check_font_coverage([make_view(name="𠮷䶮"), make_view(name="𫖯𬌗", body_name="堃喆赟犇淼垚")])


def test_variation_selectors_need_a_sequence_the_font_supports() -> None:
    check_font_coverage([make_view(name="郎\ufe00")])  # a standardized variant Noto CJK maps

    with pytest.raises(MissingGlyphError) as caught:
        check_font_coverage([make_view(name="葛\U000e0100")])  # Adobe-Japan1 IVS: not in Noto CJK

    assert caught.value.codepoint == "U+E0100"


def test_font_not_installed_names_the_debian_package() -> None:
    with pytest.raises(FontNotInstalledError, match="fonts-noto-cjk"):
        _font_coverage.__wrapped__("Noto Serif CJK ZZ Not Installed")


def test_certificate_too_long_for_one_page_is_refused() -> None:
    too_long = make_view(occupation="工业机器人系统操作员" * 40, certificate_number="S000050123456263000020")

    with pytest.raises(LayoutOverflowError) as caught:
        render_certificates([make_view(), too_long, make_view()])

    assert caught.value.certificate_number == "S000050123456263000020"


def test_long_registered_body_name_still_fits(tmp_path: Path) -> None:
    body_name = "重庆市人力资源和社会保障局职业技能鉴定指导中心（重庆市职业技能等级认定服务中心）"

    for view in (make_view(body_name=body_name), make_bilingual_view(body_name=body_name)):
        text = pdf_text(render_certificate(view), tmp_path)
        assert "重庆市人力资源和社会保障局职业技能鉴定指导中心" in text


def test_empty_batch_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        render_certificates([])


# --- the view and its printed fields -------------------------------------------------------------

@pytest.mark.parametrize("trade", [None, "", "   "])
def test_empty_trade_prints_double_dash(trade: str | None) -> None:
    assert printed_fields(make_view(trade=trade))["trade"] == "--"


def test_printed_fields_format_dates_and_keep_english_for_bilingual_only() -> None:
    chinese = printed_fields(make_view(name_en="Wang Miaoyao", issue_date=date(2026, 1, 5)))
    bilingual = printed_fields(make_bilingual_view())

    assert chinese["issue_date"] == "2026年1月5日"
    assert "name_en" not in chinese and "issue_date_en" not in chinese
    assert bilingual["issue_date_en"] == "23 November 2026"
    assert bilingual["name_en"] == "Abdulla Karimov"


@pytest.mark.parametrize("field", ["name", "id_number", "certificate_number", "body_name", "qr_payload"])
def test_blank_required_field_is_rejected(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        make_view(**{field: "  "})


def test_photo_must_be_jpeg_or_png() -> None:
    with pytest.raises(ValueError, match="JPEG or PNG"):
        make_view(photo=b"GIF89a not a photo we print")


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_truncated_photo_is_rejected(image_format: str) -> None:
    import weasyprint  # noqa: F401  (it makes Pillow accept truncated images process-wide)

    complete = photo_bytes(image_format)
    make_view(photo=complete)
    with pytest.raises(ValueError, match="truncated"):
        make_view(photo=complete[: len(complete) * 2 // 3])
