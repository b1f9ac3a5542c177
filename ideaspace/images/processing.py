"""Check an uploaded image by its content and turn it into clean variants, with Pillow.

Only JPEG, PNG and WebP are taken, recognised by their first bytes and by Pillow agreeing, never
by the file's name or the browser's content type. Before any pixel is decoded the header's size is
checked (a decompression bomb declares a huge canvas in a few kilobytes), and the raw bytes are
searched for the marks of a second format (an HTML page or a ZIP archive hiding in the same file:
a polyglot). What is stored is drawn again from the pixels only, so EXIF (GPS position, camera,
time), ICC profiles, comments and anything appended to the file are gone; the EXIF orientation
is applied first, so a phone photo stands the right way up.

Every variant is WebP: small, with transparency, shown by every browser the app supports.
Plain functions on bytes, no database: `ideaspace.images.service` stores what `prepare` returns.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

# The largest upload (the request as a whole stays under MAX_CONTENT_LENGTH, 5 MB).
MAX_BYTES = 4 * 1024 * 1024
# The largest canvas: 24 megapixels and 8,000 pixels a side (a 12 MP phone photo is 4032 × 3024).
# Decoding 24 MP in RGBA takes about 100 MB, which bounds what one request can make the server hold.
MAX_PIXELS = 24_000_000
MAX_SIDE = 8000
# A picture smaller than this is no picture (a tracking pixel, a mistake).
MIN_SIDE = 16

# The variants: name → the longest side it is fitted into (never enlarged).
SIZES = {"small": 320, "medium": 800, "large": 1600}
CONTENT_TYPE = "image/webp"
QUALITY = 82

# The formats taken: Pillow's name → the first bytes that announce it.
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def _sniff(data: bytes) -> str | None:
    """The format the first bytes announce (JPEG, PNG, WEBP), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


# Marks of an HTML or SVG document anywhere in the bytes. Compressed pixel data is effectively
# random, and the chance that it spells one of these tags by accident is negligible (about 10⁻⁹
# for a 4 MB file); a file that carries one is built to be read as a page too.
# Only tags of five characters or more, or <svg followed by a space or ">": a shorter mark would
# turn up by chance in large files.
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|object|embed|meta|style|svg[\s>])", re.I)
# A ZIP archive (a .docx, .jar or .apk too) has local file headers and an end-of-directory record.
_ZIP_ENTRY, _ZIP_END = b"PK\x03\x04", b"PK\x05\x06"


class ImageError(ValueError):
    """An upload that is not taken; `message` says why, in the reader's language."""

    def __init__(self, message, field: str = "image") -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field  # the form field it is about: the file, or the alternative text


@dataclass(frozen=True)
class Variant:
    size: str
    content_type: str
    width: int
    height: int
    data: bytes

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Prepared:
    """What an accepted upload becomes: its variants, small to large, and the original's format."""

    variants: list[Variant]
    source_format: str

    @property
    def largest(self) -> Variant:
        return self.variants[-1]


def check_bytes(data: bytes) -> str:
    """The format of an acceptable image file, by its content; raise ImageError otherwise."""
    if not data:
        raise ImageError(_l("The file is empty: choose an image file."))
    if len(data) > MAX_BYTES:
        raise ImageError(gettext("The image is too large: at most %(mb)d MB.", mb=MAX_BYTES // (1024 * 1024)))
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) or b"<svg" in head:
        raise ImageError(
            _l("SVG images are not accepted (they can carry scripts). Save the picture as JPEG or PNG.")
        )
    kind = _sniff(data)
    if kind is None:
        raise ImageError(
            _l(
                "This file is not a JPEG, PNG or WebP image (whatever its name says). "
                "Save the picture in one of those formats."
            )
        )
    if _MARKUP.search(data) or (_ZIP_ENTRY in data and _ZIP_END in data):
        raise ImageError(
            _l(
                "This file is an image and something else at the same time (a web page or an "
                "archive inside it), so it is not accepted. Save the picture again from an image editor."
            )
        )
    return kind


def _open(data: bytes, kind: str) -> Image.Image:
    """Open the image and check its format and canvas from the header, before any decoding."""
    try:
        with warnings.catch_warnings():
            # Pillow warns about a big canvas and raises only past twice that: refuse at the warning.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(_bomb_message()) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise ImageError(_l("The image could not be read: the file is damaged or incomplete.")) from None
    width, height = image.size
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        image.close()
        raise ImageError(
            gettext(
                "The image is %(width)d × %(height)d pixels: at most %(side)d pixels a side and "
                "%(mp)d megapixels are taken. Make it smaller first.",
                width=width,
                height=height,
                side=MAX_SIDE,
                mp=MAX_PIXELS // 1_000_000,
            )
        )
    if width < MIN_SIDE or height < MIN_SIDE:
        image.close()
        raise ImageError(gettext("The image is too small: at least %(side)d pixels a side.", side=MIN_SIDE))
    return image


def _bomb_message():  # noqa: N802 (a message, built in the reader's language when raised)
    return gettext(
        "The image declares a canvas far larger than its file (a decompression bomb): at most "
        "%(mp)d megapixels are taken.",
        mp=MAX_PIXELS // 1_000_000,
    )


def prepare(data: bytes) -> Prepared:
    """Check an upload and draw its variants; raise ImageError with the reason when it is refused."""
    # Importing WeasyPrint (the PDF export) turns Pillow's tolerance of truncated files and
    # oversized text chunks on for the whole process; an upload is checked strictly all the same.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    kind = check_bytes(data)
    with _open(data, kind) as first:
        try:
            first.verify()  # the structure and checksums, without keeping the pixels
        except Exception:  # noqa: BLE001 (Pillow's decoders raise many kinds; each is a broken file)
            raise ImageError(_l("The image could not be read: the file is damaged or incomplete.")) from None
    image = _open(data, kind)
    try:
        if kind == "JPEG":
            # Decode at 1/2, 1/4 or 1/8 scale when even the largest variant needs no more.
            image.draft("RGB", (SIZES["large"], SIZES["large"]))
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            upright = ImageOps.exif_transpose(image)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError):
        raise ImageError(_bomb_message()) from None
    except Exception:  # noqa: BLE001 (Pillow's decoders raise many kinds; each is a broken file)
        raise ImageError(_l("The image could not be read: the file is damaged or incomplete.")) from None
    finally:
        image.close()
    # Only the pixels go on: a fresh image carries no EXIF, ICC profile, text chunk or trailer.
    mode = "RGBA" if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info else "RGB"
    pixels = upright.convert(mode)
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    variants = []
    for name, side in SIZES.items():
        copy = clean.copy()
        copy.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        copy.save(out, "WEBP", quality=QUALITY, method=4)
        variants.append(Variant(name, CONTENT_TYPE, copy.width, copy.height, out.getvalue()))
    return Prepared(variants, kind)


def check_variant(data: bytes) -> tuple[int, int]:
    """A stored variant read back from a backup: a WebP that passes the upload's checks; its size.

    A restore stores the variants as they were (a re-encoding would lose quality and change their
    ETags), so each is checked as an upload would be, and must be the WebP this module writes.
    """
    kind = check_bytes(data)
    if kind != "WEBP":
        raise ImageError(_l("A stored image variant must be WebP."))
    image = _open(data, kind)
    try:
        image.verify()
        return image.size
    except Exception:  # noqa: BLE001
        raise ImageError(_l("The image could not be read: the file is damaged or incomplete.")) from None
    finally:
        image.close()
