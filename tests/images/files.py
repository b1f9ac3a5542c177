"""Real image files for the tests, good and hostile, made on the spot (nothing binary in the repo)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import ExifTags, Image, PngImagePlugin

# A place the tests look for in the stored bytes: it must be gone with the EXIF.
GPS_LATITUDE = (63.0, 50.0, 17.0)  # Kokkola


def picture(width: int = 64, height: int = 48, mode: str = "RGB") -> Image.Image:
    """A small picture with something in it (a gradient, so the encoders have work to do)."""
    image = Image.new(mode, (width, height))
    image.putdata(
        [
            (x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1), 128)
            + ((200,) if mode == "RGBA" else ())
            for y in range(height)
            for x in range(width)
        ]
    )
    return image


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def png(width: int = 64, height: int = 48, mode: str = "RGB") -> bytes:
    return encode(picture(width, height, mode), "PNG")


def jpeg(width: int = 64, height: int = 48) -> bytes:
    return encode(picture(width, height), "JPEG", quality=90)


def webp(width: int = 64, height: int = 48) -> bytes:
    return encode(picture(width, height, "RGBA"), "WEBP")


def jpeg_with_gps(width: int = 80, height: int = 40, orientation: int = 6) -> bytes:
    """A phone photo: EXIF with a GPS position, a camera, a comment, and an orientation
    (6: the camera was turned, so the picture stands 40 × 80 when shown right)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Model] = "Secret Model 9"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.ImageDescription] = "Kotini pihalla"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: GPS_LATITUDE,
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (23.0, 7.0, 51.0),
    }
    return encode(picture(width, height), "JPEG", exif=exif.tobytes(), quality=90)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(side: int = 20000) -> bytes:
    """A decompression bomb: a 1-bit PNG of side × side pixels (400 megapixels for 20,000) whose
    zeros compress to a few tens of kilobytes."""
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    row = b"\x00" * (1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def png_text_bomb() -> bytes:
    """A small PNG carrying a compressed text chunk that inflates to 64 MB."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "A" * (64 * 1024 * 1024), zip=True)
    return encode(picture(), "PNG", pnginfo=info)


def png_zip_polyglot() -> bytes:
    """A PNG that is also a ZIP archive (an archive appended: unzip reads it from the end)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.html", "<script>alert(1)</script>")
    return png() + archive.getvalue()


def png_html_polyglot() -> bytes:
    """A PNG whose text chunk is a web page (a browser sniffing it as HTML would run the script)."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<html><body><script>alert(document.cookie)</script></body></html>")
    return encode(picture(), "PNG", pnginfo=info)


def gif() -> bytes:
    return encode(picture(), "GIF")


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48">'
    b"<script>alert(1)</script><rect width='64' height='48'/></svg>"
)


def truncated_png() -> bytes:
    data = png(200, 200)
    return data[: len(data) // 2]
