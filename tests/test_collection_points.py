"""Area collection points: the assigned point and the nearest others by distance, a map
link, and a report of a full or damaged point with a photo to the support inbox."""
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from domain import collection_points
from domain.errors import FieldError
from models import CollectionPoint, Property, SupportMessage, SupportThread
from tests import factories
from tests.conftest import csrf_token, login

POINTS = (("Kirkonkylä", "61.5030", "26.4790", "mixed,bio,glass", "1,4"),
          ("Kuortti", "61.4248", "26.4270", "mixed,glass", "2"),
          ("Hartosenpää", "61.5556", "26.3620", "mixed", "3"),
          ("Joutsjärvi", "61.4640", "26.5770", "mixed,glass", "4"))


@pytest.fixture
def pertunmaa(app):
    points = [CollectionPoint.create(name=n, street=f"{n}ntie 1", municipality="Pertunmaa", latitude=Decimal(lat),
                                     longitude=Decimal(lon), fractions=f, emptying_weekdays=d)
              for n, lat, lon, f, d in POINTS]
    CollectionPoint.create(name="Suljettu", street="Vanha tie", municipality="Pertunmaa", latitude=Decimal("61.4300"),
                           longitude=Decimal("26.4400"), fractions="mixed", active=False)
    owner = factories.customer()
    factories.property_(owner, municipality="Pertunmaa", collection_area="Pertunmaa", building_type="holiday_home",
                        occupancy="holiday", collection_point=points[1], latitude=Decimal("61.4310"),
                        longitude=Decimal("26.4390"))
    user = factories.resident(customer=owner, with_property=False)
    return user, Property.get(Property.customer == owner), points


def test_the_great_circle_distance():
    # one degree along a meridian is 2πR/360 = 111,19 km
    assert collection_points.distance_km(61, 26, 62, 26) == pytest.approx(111.19, abs=0.01)
    # Helsinki cathedral to Tampere cathedral, about 160 km as the crow flies
    assert collection_points.distance_km(60.1702, 24.9522, 61.4965, 23.7706) == pytest.approx(160, abs=3)


def test_the_nearest_points_other_than_its_own_and_in_use(pertunmaa):
    _user, prop, points = pertunmaa
    found = collection_points.nearest(prop)
    assert [n.point.name for n in found] == ["Joutsjärvi", "Kirkonkylä", "Hartosenpää"]  # closed one left out
    # from (61.4310, 26.4390): Joutsjärvi 0,033° N and 0,138° E ≈ √(3,7² + 7,4²) ≈ 8,2 km
    assert found[0].km == pytest.approx(8.2, abs=0.2)
    assert collection_points.map_url(points[1]) == (
        "https://www.openstreetmap.org/?mlat=61.424800&mlon=26.427000#map=17/61.424800/26.427000")


def test_a_photo_is_made_a_small_jpeg_without_its_metadata():
    image = Image.new("RGB", (4000, 3000), "green")
    exif = Image.Exif()
    exif[0x8825] = {2: (61, 25, 0)}  # GPS latitude
    raw = io.BytesIO()
    image.save(raw, "JPEG", exif=exif)
    assert Image.open(io.BytesIO(raw.getvalue())).getexif()
    made = Image.open(io.BytesIO(collection_points.normalised_photo(raw.getvalue())))
    assert made.format == "JPEG" and max(made.size) == 1600 and not made.getexif()
    with pytest.raises(FieldError) as error:
        collection_points.normalised_photo(b"not a picture")
    assert error.value.code == "photo_invalid"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(out, "PNG")
    return out.getvalue()


def test_the_property_page_and_a_report_with_a_photo(client, app, pertunmaa):
    user, prop, points = pertunmaa
    login(client, user.username)
    page = client.get(f"/properties/{prop.id}").get_data(as_text=True)
    assert "Aluekeräyspiste" in page and "Kuortti" in page and "tyhjennys: keskiviikko" in page
    assert page.index("Joutsjärvi") < page.index("Kirkonkylä") < page.index("Hartosenpää")
    assert "Suljettu" not in page
    url = f"/properties/{prop.id}/collection-points/{points[1].id}/report"
    form = client.get(url).get_data(as_text=True)
    key = re.search(r'name="request_key" type="hidden" value="([^"]+)"', form).group(1)
    token = csrf_token(client, url)
    missing = client.post(url, data={"csrf_token": token, "body": "Lasi täynnä", "request_key": key})
    assert missing.status_code == 422 and "Valitse, mikä on vialla." in missing.get_data(as_text=True)
    assert "Lasi täynnä" in missing.get_data(as_text=True)
    bad = client.post(url, data={"csrf_token": token, "problem": "full", "request_key": key,
                                 "photo": (io.BytesIO(b"GIF89a nonsense"), "kuva.jpg")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "Kuvaa ei voitu lukea" in bad.get_data(as_text=True)
    for _twice in range(2):
        sent = client.post(url, data={"csrf_token": token, "problem": "full", "body": "Lasi täynnä",
                                      "request_key": key, "photo": (io.BytesIO(png()), "kuva.png")},
                           content_type="multipart/form-data")
        assert sent.status_code == 303
    thread = SupportThread.get()  # one thread however often the form is sent
    assert thread.collection_point_id == points[1].id and thread.property_id == prop.id
    message = SupportMessage.get(SupportMessage.thread == thread)
    assert "Kuortti" in message.body and "täynnä" in message.body and "Lasi täynnä" in message.body
    assert (Path(app.instance_path) / "uploads" / message.attachment).exists()
    assert len(list((Path(app.instance_path) / "uploads").iterdir())) == 1
    photo = client.get(f"/support/{thread.id}/photos/{message.id}")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg" and "no-store" in photo.headers["Cache-Control"]
    # another resident cannot see it; staff can, with the point on the thread page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/properties/")})
    login(client, factories.resident().username)
    assert client.get(f"/support/{thread.id}/photos/{message.id}").status_code == 404
    assert client.get(url).status_code == 404  # not their property
    client.post("/logout", data={"csrf_token": csrf_token(client, "/properties/")})
    login(client, factories.staff().username)
    staff_page = client.get(f"/staff/support/{thread.id}").get_data(as_text=True)
    assert "Aluekeräyspiste: Kuortti" in staff_page and f"/support/{thread.id}/photos/{message.id}" in staff_page
    assert client.get(f"/support/{thread.id}/photos/{message.id}").status_code == 200
