"""The sorting guide: its data, search forgiving of inflection and typos in any language
(FTS5 trigrams on SQLite, pg_trgm on PostgreSQL), the public pages, the offline data and
the back office that edits it."""
import csv
import json
import re
from pathlib import Path

import pytest

from domain import sorting
from domain.errors import FieldError
from models import SortingItem
from tests import factories
from tests.conftest import login, post_form

CSV = Path(__file__).resolve().parent.parent / "data" / "sorting_guide.csv"


def test_the_guide_has_at_least_150_items_complete_in_three_languages():
    rows = list(csv.DictReader(CSV.open(encoding="utf-8")))
    assert len(rows) >= 150
    for row in rows:
        assert row["fraction"] in sorting.FRACTIONS, row
        assert all(row[f"name_{lang}"].strip() for lang in sorting.LANGS), row
    for lang in sorting.LANGS:
        names = [r[f"name_{lang}"].lower() for r in rows]
        assert len(names) == len(set(names)), lang
    assert {r["fraction"] for r in rows} == set(sorting.FRACTIONS)  # every fraction has items


def test_the_score_by_hand():
    # "pullot": pul ull llo lot; "lasipullo" has pul ull llo: 3/4, and contains no "pullot"
    assert sorting.score("pullot", "lasipullo") == pytest.approx(0.75)
    assert sorting.score("pullo", "pullo") == pytest.approx(1 + 2)  # all trigrams, and a prefix
    assert sorting.score("pullo", "lasipullo") == pytest.approx(1 + 1)  # contained
    assert sorting.score("xyz", "lasipullo") == 0


@pytest.mark.parametrize("query, lang, first", [
    ("muovipussi", "fi", "Muovipussi"),
    ("muvipussi", "fi", "Muovipussi"),  # a letter missing
    ("muovipusit", "fi", "Muovipussi"),  # inflected and a typo
    ("maitotölkit", "fi", "Maitotölkki"),
    ("mjölkkartong", "fi", "Maitotölkki"),  # a Swedish word on the Finnish page
    ("pizza", "sv", "Pizzakartong"),
    ("batteri", "sv", "Batteri"),
    ("nappy", "en", "Nappy"),
    ("paristo", "en", "Battery"),
])
def test_search_finds_the_item_first(app, ctx, query, lang, first):
    hits = sorting.search(query, lang)
    assert hits and hits[0].item.name(lang) == first, [h.item.name(lang) for h in hits[:5]]


def test_search_edges(app, ctx):
    assert sorting.search("", "fi") == [] and sorting.search("   ", "fi") == []
    assert sorting.search("qqqqxxxx", "fi") == []
    starts = sorting.search("ka", "fi")  # two letters: the start of a term, in any language
    assert starts and all(any(t.startswith("ka") for lang in sorting.LANGS for t in sorting.terms(h.item, lang))
                          for h in starts)
    assert all(h.item.fraction == "glass" for h in sorting.search("pullo", "fi", fraction="glass"))
    assert sorting.search("100%_", "fi") == []  # LIKE's wildcards are not wildcards


def test_a_to_o_index_puts_the_nordic_letters_last(app, ctx):
    letters = [letter for letter, _items in sorting.index("sv")]
    assert letters == sorted(letters, key=sorting.sort_key)
    assert letters[-1] in ("Å", "Ä", "Ö")
    assert sum(len(items) for _l, items in sorting.index("fi")) == SortingItem.select().count()


def test_the_public_page_searches_as_you_type_and_without_javascript(client, app):
    page = client.get("/sorting-guide?q=maitotolkki").get_data(as_text=True)  # no login, no ö
    assert "Maitotölkki" in page and "Huuhtele ja litistä." in page and "<html" in page
    fragment = client.get("/sorting-guide?q=paristo", headers={"HX-Request": "true", "HX-Target": "sorting-results"})
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="sorting-results"') and "<html" not in body
    assert "Paristo" in body
    index = client.get("/sorting-guide?fraction=glass").get_data(as_text=True)
    assert "Lasipurkki" in index and "Banaaninkuori" not in index


def test_the_data_for_offline_use(client, app):
    data = json.loads(client.get("/sorting-guide/data.json?lang=sv").get_data(as_text=True))
    assert data["lang"] == "sv" and len(data["items"]) == SortingItem.select().count()
    assert data["fractions"]["glass"]["label"] == "Glasförpackningar"
    milk = next(i for i in data["items"] if i["name"] == "Mjölkkartong")
    assert milk["fraction"] == "cardboard" and milk["note"] == "Skölj och platta till."


def test_staff_edit_the_guide_and_search_follows(client, app):
    login(client, factories.staff().username)
    item = SortingItem.get(SortingItem.name_fi == "Voirasia")
    url = f"/staff/sorting-guide/{item.id}"
    values = {k: getattr(item, k) for k in sorting.COLUMNS}
    missing = post_form(client, url, {**values, "name_sv": ""})
    assert missing.status_code == 422 and "Anna nimi jokaisella kielellä." in missing.get_data(as_text=True)
    assert post_form(client, url, {**values, "synonyms_fi": "rasvapurkki, levitepurkki"}).status_code == 303
    assert sorting.search("levitepurkki", "fi")[0].item.id == item.id
    new = post_form(client, "/staff/sorting-guide/new", {"fraction": "hazardous", "name_fi": "Ilotulite",
                                                         "name_sv": "Fyrverkeri", "name_en": "Firework"},
                    page="/staff/sorting-guide/new")
    assert new.status_code == 303
    added = SortingItem.get(SortingItem.name_fi == "Ilotulite")
    assert sorting.search("ilotulitteet", "fi")[0].item.id == added.id
    post_form(client, f"/staff/sorting-guide/{added.id}/delete", {}, page=f"/staff/sorting-guide/{added.id}")
    assert sorting.search("ilotulite", "fi") == [] and not SortingItem.select().where(
        SortingItem.name_fi == "Ilotulite").exists()
    exported = client.get("/staff/sorting-guide/guide.csv").get_data(as_text=True)
    rows = list(csv.DictReader(exported.splitlines()))
    assert len(rows) == SortingItem.select().count() and any("levitepurkki" in r["synonyms_fi"] for r in rows)
    with pytest.raises(FieldError) as error:
        sorting.save(None, None, {"fraction": "lava", "name_fi": "x", "name_sv": "x", "name_en": "x"})
    assert error.value.code == "fraction_choice"
    assert re.search(r"\d+ nimikettä", client.get("/staff/sorting-guide").get_data(as_text=True))
