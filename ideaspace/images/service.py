"""Set, replace and remove the image of a workspace, a theme or an idea; read them for pages.

Plain functions: they flush, write the audit log for moderators' changes, never commit. An upload
is checked and turned into its variants (`processing.prepare`) before anything is written, so a
refused file leaves nothing behind and the image that was there stays.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import audit
from ..extensions import db
from ..i18n import LANGUAGE_NAMES
from ..models import LANGUAGES, Idea, Image, ImageVariant, Theme, Workspace
from ..sanitize import clean_text
from . import processing
from .processing import ImageError

ALT_MAX = 250


def owner_key(obj) -> str:
    """What `image.owner` says of the thing an image belongs to: "workspace:12", "theme:34"."""
    if isinstance(obj, Workspace | Theme | Idea):
        return f"{type(obj).__tablename__}:{obj.id}"
    raise TypeError(f"no images for {type(obj).__name__}")


def _workspace_id(obj) -> int:
    return obj.id if isinstance(obj, Workspace) else obj.workspace_id


def clean_alt(alt, primary: str, *, required_language: bool = True) -> dict:
    """Alternative text per language: one line each, at most ALT_MAX characters, without empty
    languages; the primary language required (a picture without words is lost to a screen reader)."""
    values = alt if isinstance(alt, dict) else {primary: alt}
    out = {}
    for lang, value in values.items():
        text = clean_text(value) if isinstance(value, str) else ""
        if lang not in LANGUAGES or not text:
            continue
        if "\n" in text:
            raise ImageError(_l("Write the alternative text on one line."), "alt")
        if len(text) > ALT_MAX:
            raise ImageError(
                gettext("The alternative text can be at most %(n)d characters long.", n=ALT_MAX), "alt"
            )
        out[lang] = text
    if required_language and not out.get(primary):
        raise ImageError(
            gettext(
                "Describe the picture in %(language)s for those who cannot see it (alternative text).",
                language=LANGUAGE_NAMES.get(primary, primary),
            ),
            "alt",
        )
    if not out:
        raise ImageError(_l("Describe the picture for those who cannot see it (alternative text)."), "alt")
    return out


def image_of(obj) -> Image | None:
    """The image of a workspace, theme or idea (its variants' sizes loaded, not their bytes)."""
    return db.session.scalar(
        select(Image).where(Image.owner == owner_key(obj)).options(selectinload(Image.variants))
    )


def set_image(actor, obj, *, data: bytes | None, alt, primary: str) -> Image:
    """Give `obj` an image, or replace the one it has; with `data` None, change only the alt text.

    The upload is checked and its variants drawn first: a refusal raises ImageError, nothing is
    written, and any image `obj` had stays. Two uploads at once for the same thing: the unique
    owner lets one in; the other is told to try again.
    """
    alt = clean_alt(alt, primary)
    current = image_of(obj)
    if data is None:
        if current is None:
            raise ImageError(_l("Choose an image file."))
        if current.alt != alt:
            current.alt = alt
            db.session.flush()
            _audit(actor, "image.alt", current, obj)
        return current
    prepared = processing.prepare(data)
    try:
        with db.session.begin_nested():
            if current is not None:
                _delete(current)
            image = store(actor, obj, prepared.variants, alt)
    except IntegrityError:  # another upload stored its image first
        raise ImageError(
            _l("Someone changed this picture at the same moment. Look at it again and try once more.")
        ) from None
    _audit(actor, "image.replace" if current is not None else "image.add", image, obj)
    return image


def store(actor, obj, variants: list[processing.Variant], alt: dict, created_at=None) -> Image:
    """Write an image of `obj` from checked variants (an upload's, or a backup's); flush."""
    largest = max(variants, key=lambda v: v.width * v.height)
    image = Image(
        workspace_id=_workspace_id(obj),
        theme_id=obj.id if isinstance(obj, Theme) else None,
        idea_id=obj.id if isinstance(obj, Idea) else None,
        owner=owner_key(obj),
        alt=alt,
        width=largest.width,
        height=largest.height,
        created_by_id=getattr(actor, "id", None),
        **({"created_at": created_at} if created_at is not None else {}),
    )
    image.variants = [
        ImageVariant(
            size=v.size, content_type=v.content_type, width=v.width, height=v.height, etag=v.etag, data=v.data
        )
        for v in variants
    ]
    db.session.add(image)
    db.session.flush()
    return image


def remove_image(actor, obj) -> bool:
    """Remove `obj`'s image; False when it had none."""
    current = image_of(obj)
    if current is None:
        return False
    _audit(actor, "image.remove", current, obj)
    _delete(current)
    return True


def _delete(image: Image) -> None:
    """Delete an image and its variants (the foreign key's cascade) by a statement: two requests
    deleting the same image at once both succeed, where the ORM would count the rows it missed."""
    db.session.execute(delete(Image).where(Image.id == image.id))
    db.session.expunge(image)


def _audit(actor, action: str, image: Image, obj) -> None:
    """Moderators' changes of covers go into the audit log (an author's own picture does not)."""
    if isinstance(obj, Idea):
        return
    largest = max(image.variants, key=lambda v: v.width) if image.variants else None
    audit.record(
        actor,
        action,
        image,
        workspace_id=_workspace_id(obj),
        owner=image.owner,
        sha256=largest.etag if largest else None,
    )


# --- reading for pages ----------------------------------------------------------------------------


@dataclass
class Covers:
    """A workspace's cover and its themes' covers, read in two statements for the front page."""

    workspace: Image | None = None
    themes: dict[int, Image] = field(default_factory=dict)

    def theme(self, theme_id: int) -> Image | None:
        return self.themes.get(theme_id)


def covers(workspace: Workspace) -> Covers:
    """Every cover of a workspace (its own and its themes'), with their variants' sizes."""
    found = Covers()
    for image in db.session.scalars(
        select(Image)
        .where(Image.workspace_id == workspace.id, Image.idea_id.is_(None))
        .options(selectinload(Image.variants))
    ):
        if image.theme_id is None:
            found.workspace = image
        else:
            found.themes[image.theme_id] = image
    return found


def idea_images(idea_ids) -> dict[int, Image]:
    """The pictures of these ideas, by idea id (two statements whatever their number)."""
    ids = list(idea_ids)
    if not ids:
        return {}
    return {
        image.idea_id: image
        for image in db.session.scalars(
            select(Image).where(Image.idea_id.in_(ids)).options(selectinload(Image.variants))
        )
    }


def idea_pictures(idea_ids) -> dict[int, dict]:
    """The pictures of these ideas as data for the person's own copy (privacy.personal_data): alt
    text and the largest variant as WebP in base64, by idea id, in one statement."""
    ids = list(idea_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            Image.idea_id,
            Image.alt,
            Image.created_at,
            ImageVariant.width,
            ImageVariant.height,
            ImageVariant.data,
        )
        .join(ImageVariant, ImageVariant.image_id == Image.id)
        .where(Image.idea_id.in_(ids), ImageVariant.size == "large")
    )
    return {
        row.idea_id: {
            "alt": row.alt,
            "added_at": row.created_at.isoformat() if row.created_at else None,
            "content_type": processing.CONTENT_TYPE,
            "width": row.width,
            "height": row.height,
            "data": base64.b64encode(row.data).decode("ascii"),
        }
        for row in rows
    }


# --- serving -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    image: Image
    workspace: Workspace
    idea: Idea | None
    variant: ImageVariant


def for_serving(image_id: int, size: str) -> Served | None:
    """The image, what it belongs to and the variant's ETag (not its bytes); None if none."""
    row = db.session.execute(
        select(Image, ImageVariant)
        .join(ImageVariant, ImageVariant.image_id == Image.id)
        .where(Image.id == image_id, ImageVariant.size == size)
    ).first()
    if row is None:
        return None
    image, variant = row
    workspace = db.session.get(Workspace, image.workspace_id)
    idea = db.session.get(Idea, image.idea_id) if image.idea_id is not None else None
    return Served(image, workspace, idea, variant)


def version(variant: ImageVariant) -> str:
    """What a variant's URL carries of its ETag: enough to never meet another image's."""
    return variant.etag[:16]


def url(image: Image, variant: ImageVariant) -> str:
    return url_for("images.show", image_id=image.id, size=variant.size, version=version(variant))


def variant_bytes(variant: ImageVariant) -> bytes:
    return db.session.scalar(
        select(ImageVariant.data).where(
            ImageVariant.image_id == variant.image_id, ImageVariant.size == variant.size
        )
    )
