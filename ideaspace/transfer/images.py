"""Images in the workspace document: the workspace's and each theme's `cover`, each idea's `image`.

An image is written as its alt text, who added it when, and its stored variants, each a WebP file in
base64 (docs/workspace-json.md). A restore stores the variants as they were, byte for byte (their
ETags and addresses stay), after checking each as an upload is checked (`processing.check_variant`):
a document cannot bring in anything an upload could not.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict

from sqlalchemy import select

from ..extensions import db
from ..images import processing
from ..images import service as images
from ..models import Image, ImageVariant

IMAGE = ("alt", "created_at", "created_by", "variants")
VARIANT = ("size", "content_type", "width", "height", "data")
ORDER = list(processing.SIZES)
# A variant in the document is one that an upload could have made: at most the upload's limit.
MAX_BYTES = processing.MAX_BYTES


# --- export ------------------------------------------------------------------------------------


def load(exporter, ws_id: int) -> dict[tuple[str, int], tuple]:
    """Every image of the workspace with its variants (one statement), by (kind, id) of its owner;
    the people who added them are noted for the document's people."""
    rows = db.session.execute(
        select(
            Image.id,
            Image.owner,
            Image.theme_id,
            Image.idea_id,
            Image.alt,
            Image.created_at,
            Image.created_by_id,
            ImageVariant.size,
            ImageVariant.content_type,
            ImageVariant.width,
            ImageVariant.height,
            ImageVariant.data,
        )
        .join(ImageVariant, ImageVariant.image_id == Image.id)
        .where(Image.workspace_id == ws_id)
    ).all()
    heads, variants = {}, defaultdict(list)
    for row in rows:
        heads[row.id] = row
        variants[row.id].append(row)
    found = {}
    for image_id, head in heads.items():
        exporter.person(head.created_by_id)
        if head.idea_id is not None:
            owner = ("idea", head.idea_id)
        elif head.theme_id is not None:
            owner = ("theme", head.theme_id)
        else:
            owner = ("workspace", ws_id)
        found[owner] = (head, sorted(variants[image_id], key=lambda v: ORDER.index(v.size)))
    return found


def field(exporter, found: dict, kind: str, owner_id: int, key: str) -> dict:
    """{key: the image} for the owner's dict, or nothing when it has none (the key is left out)."""
    entry = found.get((kind, owner_id))
    if entry is None:
        return {}
    head, variants = entry
    return {
        key: {
            "alt": head.alt,
            "created_at": head.created_at.isoformat() if head.created_at else None,
            "created_by": exporter.email(head.created_by_id),
            "variants": [
                {
                    "size": v.size,
                    "content_type": v.content_type,
                    "width": v.width,
                    "height": v.height,
                    "data": base64.b64encode(v.data).decode("ascii"),
                }
                for v in variants
            ],
        }
    }


# --- import ------------------------------------------------------------------------------------


def parse(parser, data: dict, key: str, path: str) -> dict | None:
    """The image under `key` of `data`, checked (None when there is none); errors name their path."""
    value = data.get(key)
    if value is None:
        return None
    r, p = parser.r, f"{path}.{key}"
    spec = r.obj(value, p, IMAGE, ("alt", "variants"))
    if not spec:
        return None
    variants, seen = [], set()
    for item, vp in r.items(spec, "variants", p):
        v = r.obj(item, vp, VARIANT, ("size", "data"))
        size = v.get("size")
        if size not in processing.SIZES or size in seen:
            r.fail(f"{vp}.size", f"must be one of {', '.join(ORDER)}, each once (got {size!r})")
            continue
        seen.add(size)
        if v.get("content_type", processing.CONTENT_TYPE) != processing.CONTENT_TYPE:
            r.fail(f"{vp}.content_type", f"must be {processing.CONTENT_TYPE}")
            continue
        raw = _bytes(r, v.get("data"), f"{vp}.data")
        if raw is None:
            continue
        try:
            width, height = processing.check_variant(raw)
        except processing.ImageError as error:
            r.fail(f"{vp}.data", str(error.message))
            continue
        if (v.get("width", width), v.get("height", height)) != (width, height):
            r.fail(vp, f"says {v.get('width')} × {v.get('height')}, but the image is {width} × {height}")
            continue
        variants.append(processing.Variant(size, processing.CONTENT_TYPE, width, height, raw))
    if not variants and not any(e.startswith(f"{p}.variants") for e in r.errors):
        r.fail(f"{p}.variants", "needs at least one variant")
    return {
        "alt": r.localized(spec, "alt", p, required=True, max_len=images.ALT_MAX, line=True),
        "created_at": r.moment(spec, "created_at", p),
        "created_by": parser.person_ref(spec, "created_by", p),
        "variants": variants,
    }


def _bytes(r, value, path: str) -> bytes | None:
    if not isinstance(value, str):
        r.fail(path, "must be the image file in base64")
        return None
    if len(value) > (MAX_BYTES + 2) // 3 * 4:
        r.fail(path, f"is too large (at most {MAX_BYTES // (1024 * 1024)} MB)")
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        r.fail(path, "must be the image file in base64")
        return None


def restore(importer, obj, spec: dict | None) -> None:
    """Store a parsed image of `obj` (a workspace, theme or idea just built), as it was."""
    if not spec or not spec["variants"]:
        return
    person = importer.people.get(spec["created_by"]) if spec["created_by"] else None
    images.store(person, obj, spec["variants"], spec["alt"], created_at=spec["created_at"])
