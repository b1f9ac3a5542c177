"""Checking uploads by their content, with real hostile files made on the spot (tests/images/files.py)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ideaspace.images import processing
from ideaspace.images.processing import ImageError, prepare

from . import files

pytestmark = pytest.mark.usefixtures("request_context")


def _refused(data: bytes) -> str:
    with pytest.raises(ImageError) as caught:
        prepare(data)
    return str(caught.value.message)


@pytest.mark.parametrize("make_file", [files.png, files.jpeg, files.webp], ids=["png", "jpeg", "webp"])
def test_jpeg_png_and_webp_become_three_webp_variants(make_file):
    prepared = prepare(make_file(2000, 1000))
    assert [v.size for v in prepared.variants] == ["small", "medium", "large"]
    assert [(v.width, v.height) for v in prepared.variants] == [(320, 160), (800, 400), (1600, 800)]
    for variant in prepared.variants:
        assert variant.content_type == "image/webp" and variant.data[8:12] == b"WEBP"
        with Image.open(io.BytesIO(variant.data)) as image:
            assert image.format == "WEBP" and image.size == (variant.width, variant.height)


def test_a_small_picture_is_never_enlarged():
    prepared = prepare(files.png(100, 60))
    assert {(v.width, v.height) for v in prepared.variants} == {(100, 60)}


def test_exif_with_the_gps_position_is_stripped_and_the_orientation_applied():
    original = files.jpeg_with_gps(80, 40, orientation=6)
    with Image.open(io.BytesIO(original)) as source:  # the file really carries the position
        assert source.getexif().get_ifd(0x8825)
    prepared = prepare(original)
    for variant in prepared.variants:
        assert (variant.width, variant.height) == (40, 80)  # turned the right way up
        assert b"Exif" not in variant.data and b"PhoneCo" not in variant.data
        assert b"Secret Model" not in variant.data and b"Kotini" not in variant.data
        with Image.open(io.BytesIO(variant.data)) as image:
            assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info


def test_transparency_is_kept():
    prepared = prepare(files.png(40, 40, "RGBA"))
    with Image.open(io.BytesIO(prepared.largest.data)) as image:
        assert image.mode == "RGBA"


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = files.png_bomb(20000)  # 400 megapixels in 48 KB
    assert len(bomb) < 100_000
    assert "decompression bomb" in _refused(bomb)


def test_a_canvas_over_the_limit_is_refused_with_its_size():
    bomb = files.png_bomb(6000)  # 36 megapixels: under Pillow's own limit, over ours
    message = _refused(bomb)
    assert "6000 × 6000" in message and "24 megapixels" in message


def test_a_text_chunk_bomb_is_refused():
    assert "could not be read" in _refused(files.png_text_bomb())


def test_a_png_that_is_also_a_zip_archive_is_refused():
    polyglot = files.png_zip_polyglot()
    with Image.open(io.BytesIO(polyglot)) as image:  # a valid PNG for Pillow ...
        image.load()
    import zipfile

    assert zipfile.is_zipfile(io.BytesIO(polyglot))  # ... and a valid ZIP
    assert "something else at the same time" in _refused(polyglot)


def test_a_png_that_is_also_a_web_page_is_refused():
    assert "something else at the same time" in _refused(files.png_html_polyglot())


@pytest.mark.parametrize(
    "data",
    [files.gif(), b"<html><body>hello</body></html>", b"PK\x03\x04" + b"\x00" * 100, b"%PDF-1.7\n"],
    ids=["gif renamed .png", "html", "zip", "pdf"],
)
def test_other_formats_are_refused_whatever_their_name(data):
    assert "not a JPEG, PNG or WebP" in _refused(data)


@pytest.mark.parametrize(
    "data", [files.SVG, b"  <svg xmlns='http://www.w3.org/2000/svg'/>"], ids=["xml", "bare"]
)
def test_svg_is_refused_with_why(data):
    assert "SVG" in _refused(data)


def test_a_damaged_file_is_refused():
    assert "damaged" in _refused(files.truncated_png())


def test_a_file_over_the_size_limit_is_refused_before_reading():
    data = files.png() + b"\x00" * processing.MAX_BYTES
    assert "at most 4 MB" in _refused(data)


def test_an_empty_file_and_a_tiny_picture_are_refused():
    assert "The file is empty" in _refused(b"")
    assert "too small" in _refused(files.png(4, 4))


def test_check_variant_takes_what_prepare_wrote_and_nothing_else():
    prepared = prepare(files.png(300, 200))
    assert processing.check_variant(prepared.largest.data) == (300, 200)
    with pytest.raises(ImageError):
        processing.check_variant(files.png())  # a PNG: variants are WebP
    with pytest.raises(ImageError):
        processing.check_variant(prepared.largest.data + b"<script>alert(1)</script>")


def test_the_checks_stay_strict_after_the_pdf_export_loaded_weasyprint():
    # WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process when it is imported.
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        assert "could not be read" in _refused(files.png_text_bomb())
        assert "could not be read" in _refused(files.png()[:-40])
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
