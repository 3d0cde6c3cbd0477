"""Area collection points (aluekeräyspisteet): holiday homes in some areas (Pertunmaa in
seed 000) take their waste to shared containers instead of bins of their own. A property
is assigned to a point; its page shows the point, when it is emptied and the nearest other
points by great-circle distance (no map tiles: a link to OpenStreetMap at the coordinates).
A resident reports a full or damaged point to the support inbox, with the point attached
and a photo if they have one (re-encoded here: any metadata, the location included, is
dropped, and the size is capped)."""
from __future__ import annotations

import io
import math
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from domain import support
from domain.errors import FieldError
from models import CollectionPoint, Property, SupportThread

EARTH_RADIUS_KM = 6371.0
PROBLEMS = ("full", "damaged", "other")
PHOTO_MAX_SIDE = 1600  # pixels; a phone photo is scaled down to this
PHOTO_MAX_BYTES = 8 * 1024 * 1024  # what a phone uploads (MAX_CONTENT_LENGTH allows it)


def distance_km(lat1, lon1, lat2, lon2) -> float:
    """The great-circle (haversine) distance between two points in kilometres."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Nearby:
    point: CollectionPoint
    km: float


def origin_of(prop: Property) -> tuple[Decimal, Decimal] | None:
    """Where distances are measured from: the property, or else its assigned point."""
    if prop.latitude is not None and prop.longitude is not None:
        return prop.latitude, prop.longitude
    point = prop.collection_point
    return (point.latitude, point.longitude) if point else None


def nearest(prop: Property, limit: int = 3) -> list[Nearby]:
    """The active points nearest the property, other than its own, the nearest first."""
    origin = origin_of(prop)
    if origin is None:
        return []
    points = [p for p in CollectionPoint.in_use() if p.id != prop.collection_point_id]
    found = [Nearby(p, distance_km(*origin, p.latitude, p.longitude)) for p in points]
    return sorted(found, key=lambda n: n.km)[:limit]


def map_url(point: CollectionPoint) -> str:
    lat, lon = f"{point.latitude:.6f}", f"{point.longitude:.6f}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


def normalised_photo(data: bytes) -> bytes:
    """The photo as a JPEG at most PHOTO_MAX_SIDE pixels a side, turned upright, without
    its metadata; FieldError when it is not a picture."""
    if len(data) > PHOTO_MAX_BYTES:
        raise FieldError("photo", "photo_too_large")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise FieldError("photo", "photo_invalid") from None
    return out.getvalue()


def report(user, prop: Property, point: CollectionPoint, *, problem: str, body: str, subject: str, text: str,
           photo: bytes | None, upload_dir: Path, language: str, request_key: str, ip=None):
    """A report of a full or damaged point as a support thread with the point attached.
    `subject` and `text` are the report's words in the resident's language (the view's)."""
    existing = SupportThread.get_or_none(SupportThread.request_key == request_key)
    if existing is not None:  # the form was sent twice: the photo is not stored again
        return existing
    if problem not in PROBLEMS:
        raise FieldError("problem", "problem_choice")
    if problem == "other" and not body.strip():
        raise FieldError("body", "body_needed")
    stored = None
    if photo:
        jpeg = normalised_photo(photo)
        stored = f"{secrets.token_urlsafe(16)}.jpg"
        upload_dir.mkdir(parents=True, exist_ok=True)
        (upload_dir / stored).write_bytes(jpeg)
    return support.open_thread(user, prop.customer_id, support.NewMessage(
        category="emptying", subject=subject, body=text + ("\n\n" + body.strip() if body.strip() else ""),
        contact_method="email", email=user.email, property_id=prop.id, collection_point_id=point.id,
        attachment=stored), language=language, request_key=request_key, ip=ip)
