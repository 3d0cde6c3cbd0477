"""The sorting guide (lajitteluneuvonta): "where does this go?".

Items have a fraction, a name, synonyms and a short instruction in Finnish, Swedish and
English (data/sorting_guide.csv is the guide a new installation starts with, from the
Finnish waste companies' sorting guides; staff edit it in the back office).

Search is forgiving of Finnish inflection and typos, in any of the three languages: the
query's letter trigrams are
looked up in an index of every name and synonym (SQLite FTS5 with the trigram tokenizer;
PostgreSQL pg_trgm), and each candidate is scored by the share of the query's trigrams it
has, with a bonus when a term starts with the query or contains it. "pullot" finds
"pullo", "muvipussi" finds "muovipussi". Queries of one or two letters match the start
of a term (the A–Ö index).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from peewee import PostgresqlDatabase

from domain.errors import FieldError
from models import AuditLog, SortingItem, db
from models.clock import utcnow

FRACTIONS = ("mixed", "bio", "plastic", "cardboard", "glass", "metal", "paper", "hazardous", "electronics",
             "batteries", "textile", "deposit", "medicine", "waste_station")
LANGS = ("fi", "sv", "en")
COLUMNS = ("fraction", "name_fi", "name_sv", "name_en", "synonyms_fi", "synonyms_sv", "synonyms_en",
           "note_fi", "note_sv", "note_en")
MIN_SCORE = 0.45  # the share of the query's trigrams a term must have
LIMIT = 30


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def trigrams(text: str) -> set[str]:
    """The letter trigrams of each word of `text` (as SQLite's trigram tokenizer and
    pg_trgm see them, case-folded)."""
    found = set()
    for word in _normal(text).split():
        found.update(word[i:i + 3] for i in range(len(word) - 2))
    return found


def score(query: str, term: str) -> float:
    """How well `term` answers `query`: 0…1 for the trigrams shared, +1 when the term
    contains the query and +2 when it starts with it."""
    query, term = _normal(query), _normal(term)
    wanted = trigrams(query)
    shared = len(wanted & trigrams(term)) / len(wanted) if wanted else 0.0
    return shared + (2 if term.startswith(query) else 1 if query in term else 0)


def terms(item: SortingItem, lang: str) -> set[str]:
    return {_normal(t) for t in [item.name(lang), *item.synonyms(lang)] if t.strip()}


def _is_postgres() -> bool:
    return isinstance(db.obj, PostgresqlDatabase)


def reindex(items) -> None:
    """Put the items' names and synonyms in the search index, in place of their old ones."""
    p = db.obj.param
    ids = [i.id for i in items]
    if not ids:
        return
    db.execute_sql(f"DELETE FROM sorting_search WHERE item_id IN ({', '.join([p] * len(ids))})", ids)
    rows = [(i.id, lang, term) for i in items for lang in LANGS for term in sorted(terms(i, lang))]
    for start in range(0, len(rows), 300):
        chunk = rows[start:start + 300]
        db.execute_sql("INSERT INTO sorting_search (item_id, lang, term) VALUES " +
                       ", ".join([f"({p}, {p}, {p})"] * len(chunk)), [v for row in chunk for v in row])


def _candidates(query: str) -> list[tuple[int, str, str]]:
    """(item id, language, term) that may answer the query, from the index."""
    p = db.obj.param
    query = _normal(query)
    grams = sorted(trigrams(query))
    if len(query) < 3 or not grams:  # one or two letters: the start of a term
        sql = f"SELECT item_id, lang, term FROM sorting_search WHERE term LIKE {p}"
        return list(db.execute_sql(sql, [query.replace("%", "").replace("_", "") + "%"]))
    if _is_postgres():
        sql = (f"SELECT item_id, lang, term FROM sorting_search WHERE "
               f"word_similarity({p}, term) >= 0.3 OR term LIKE {p}")
        return list(db.execute_sql(sql, [query, f"%{query}%"]))
    match = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
    return list(db.execute_sql(f"SELECT item_id, lang, term FROM sorting_search WHERE sorting_search MATCH {p}",
                               [match]))


@dataclass(frozen=True)
class Hit:
    item: SortingItem
    term: str  # the name or synonym that matched
    score: float


def search(query: str, lang: str, *, fraction: str = "", limit: int = LIMIT) -> list[Hit]:
    """The items answering `query`, the best first (by name in `lang` when equal). Every
    language is searched (a Finnish word finds its item on the Swedish page too); a match
    in `lang` counts a little more."""
    query = _normal(query)[:60]
    if lang not in LANGS:
        lang = "fi"
    if not query:
        return []
    best: dict[int, tuple[float, str]] = {}
    for item_id, term_lang, term in _candidates(query):
        value = score(query, term) + (0.01 if term_lang == lang else 0)
        if value >= MIN_SCORE and value > best.get(item_id, (0.0, ""))[0]:
            best[item_id] = (value, term)
    items = {i.id: i for i in SortingItem.select().where(SortingItem.id.in_(list(best)))}
    if fraction:
        items = {k: v for k, v in items.items() if v.fraction == fraction}
    hits = [Hit(items[k], term, value) for k, (value, term) in best.items() if k in items]
    hits.sort(key=lambda h: (-h.score, sort_key(h.item.name(lang))))
    return hits[:limit]


def sort_key(name: str) -> str:
    """A–Ö order: å, ä and ö after z, as Finnish and Swedish alphabets have them."""
    return name.lower().translate(str.maketrans({"å": "{", "ä": "|", "ö": "}"}))


def index(lang: str, *, fraction: str = "") -> list[tuple[str, list[SortingItem]]]:
    """Every item by its initial letter, A–Ö (of one fraction when given)."""
    query = SortingItem.select()
    if fraction in FRACTIONS:
        query = query.where(SortingItem.fraction == fraction)
    letters: dict[str, list[SortingItem]] = {}
    for item in sorted(query, key=lambda i: sort_key(i.name(lang))):
        letters.setdefault(item.name(lang)[:1].upper(), []).append(item)
    return list(letters.items())


def as_data(lang: str) -> list[dict]:
    """The guide in `lang` for the installed app to search offline."""
    return [{"id": i.id, "name": i.name(lang), "synonyms": i.synonyms(lang), "fraction": i.fraction,
             "note": i.note(lang)} for i in sorted(SortingItem.select(), key=lambda i: sort_key(i.name(lang)))]


# -- the back office -----------------------------------------------------------------------

def save(staff, item: SortingItem | None, values: dict, *, ip=None) -> SortingItem:
    """A new item or changes to one, checked, with its index and an audit-log row."""
    values = {k: " ".join(str(values.get(k) or "").split()) for k in COLUMNS}
    if values["fraction"] not in FRACTIONS:
        raise FieldError("fraction", "fraction_choice")
    for lang in LANGS:
        if not values[f"name_{lang}"]:
            raise FieldError(f"name_{lang}", "name_needed")
    with db.atomic():
        if item is None:
            item = SortingItem.create(**values)
            AuditLog.record(staff, "sorting_item_add", item, after=values, ip=ip)
        else:
            before = {k: getattr(item, k) for k in COLUMNS}
            for key, value in values.items():
                setattr(item, key, value)
            item.updated_at = utcnow()
            item.save()
            AuditLog.record(staff, "sorting_item_edit", item, before=before, after=values, ip=ip)
        reindex([item])
    return item


def delete(staff, item: SortingItem, *, ip=None) -> None:
    with db.atomic():
        db.execute_sql(f"DELETE FROM sorting_search WHERE item_id = {db.obj.param}", [item.id])
        AuditLog.record(staff, "sorting_item_delete", item, before={k: getattr(item, k) for k in COLUMNS}, ip=ip)
        item.delete_instance()


def to_csv() -> str:
    """The guide as the CSV file it started from (data/sorting_guide.csv's columns)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for item in SortingItem.select().order_by(SortingItem.id):
        writer.writerow([getattr(item, c) for c in COLUMNS])
    return out.getvalue()
