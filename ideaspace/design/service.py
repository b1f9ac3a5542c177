"""The brand: the organisation's colour, used only when it passes WCAG AA, and its logo.

The colour and the logo are instance settings (ideaspace.settings). The pages never read them:
base.html links /brand.css, which sets the brand tokens and shows the logo, so a page costs no
query for the brand and every app process serves the current one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..settings import service as settings
from ..settings.service import FILE, Setting, SettingError, file_metadata, register

DEFAULT_BRAND = "#004a87"  # static/css/tokens.css --color-brand
PAPER = "#ffffff"
TINT = "#f3f6f9"  # the quiet surface links sit on (table heads, tool bars)
AA = 4.5  # WCAG 2.1 AA for normal text (1.4.3)
LOGO_MAX_BYTES = 1024 * 1024

# Raster formats by their first bytes. No SVG: it can carry script and external references.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    digits = hex_colour.lstrip("#")
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _hex(rgb) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def luminance(hex_colour: str) -> float:
    """The relative luminance of an sRGB colour (WCAG 2.1 definition)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two colours, from 1 to 21."""
    a, b = sorted((luminance(first), luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def mix(colour: str, other: str, share: float) -> str:
    """`colour` with `share` (0..1) of `other` mixed in, in sRGB."""
    return _hex(c + (o - c) * share for c, o in zip(_rgb(colour), _rgb(other), strict=True))


def passes_aa(colour: str) -> bool:
    """Whether white text on the colour, and the colour as text on paper and on the tint, are AA."""
    return contrast(colour, TINT) >= AA  # the tint is lighter than the brand, paper lighter still


@dataclass(frozen=True)
class Brand:
    colour: str  # the brand colour in use (the default when the chosen one fails)
    dark: str  # hover and pressed states
    tint: str  # a surface in the brand's colour under ink and brand text
    chosen: str | None  # what the admin chose, if anything
    logo_version: str | None  # when the logo was stored (its URL changes with it), None: no logo

    @property
    def fell_back(self) -> bool:
        return self.chosen is not None and self.colour != self.chosen


def brand_colours(chosen: str | None) -> tuple[str, str, str]:
    """The brand, dark and tint colours for a chosen colour; the default's when it fails AA."""
    colour = chosen if chosen and passes_aa(chosen) else DEFAULT_BRAND
    dark = mix(colour, "#000000", 0.3)
    for share in (0.88, 0.91, 0.94, 0.97, 1.0):  # light enough for brand text on it to stay AA
        tint = mix(colour, PAPER, share)
        if contrast(colour, tint) >= AA:
            break
    return colour, dark, tint


def current() -> Brand:
    """The instance's brand now (one statement: the settings are read together)."""
    chosen = settings.get("brand_colour")
    colour, dark, tint = brand_colours(chosen)
    row = settings.stored("logo")
    version = None
    if row is not None and row.content_type is not None:
        version = row.updated_at.strftime("%Y%m%d%H%M%S%f")
    return Brand(colour, dark, tint, chosen, version)


def stylesheet(brand: Brand, logo_url: str | None) -> str:
    """The CSS that applies the brand: tokens only when they differ from the defaults."""
    rules = []
    if brand.colour != DEFAULT_BRAND:
        rules.append(
            f":root {{ --color-brand: {brand.colour}; --color-brand-dark: {brand.dark}; "
            f"--color-brand-tint: {brand.tint}; }}"
        )
    if logo_url:
        rules.append(f'.brand__logo {{ display: block; background-image: url("{logo_url}"); }}')
        # On a phone the logo stands for the name, which is still the link's accessible name.
        rules.append(
            "@media (max-width: 29.99rem) { .brand__name { position: absolute; width: 1px; height: 1px; "
            "overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; } }"
        )
    return "/* The organisation's brand (instance settings). */\n" + "\n".join(rules) + "\n"


def etag(brand: Brand) -> str:
    return hashlib.sha256(f"{brand.colour}|{brand.logo_version}".encode()).hexdigest()[:16]


def _prepare_logo(blob: bytes, filename: str) -> tuple[bytes, str]:
    """Accept a PNG or JPEG by its bytes, whatever its name says."""
    for signature, content_type in _SIGNATURES:
        if blob.startswith(signature):
            return blob, content_type
    raise SettingError(_l("The logo must be a PNG or JPEG image."))


LOGO = register(
    Setting(
        "logo",
        FILE,
        _l("Logo"),
        file_metadata,
        hint=_l("The organisation's logo in the header, a PNG or JPEG of at most 1 MB (shown 32 px high)."),
        content_types=frozenset({"image/png", "image/jpeg"}),
        max_bytes=LOGO_MAX_BYTES,
        prepare=_prepare_logo,
    )
)


def logo() -> tuple[bytes, str] | None:
    """The logo's bytes and content type, or None."""
    return settings.get_blob("logo")
