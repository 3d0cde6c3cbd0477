"""The sorting guide: its items, loaded from data/sorting_guide.csv, and their search index
(SQLite: an FTS5 table with the trigram tokenizer; PostgreSQL: a table with a pg_trgm
index). The index holds one row per item, language and term (the name and each synonym);
domain/sorting.py keeps it in step when staff edit the guide."""
import csv
from pathlib import Path

from models.clock import utcnow

CSV = Path(__file__).resolve().parent.parent / "data" / "sorting_guide.csv"
COLUMNS = ("fraction", "name_fi", "name_sv", "name_en", "synonyms_fi", "synonyms_sv", "synonyms_en",
           "note_fi", "note_sv", "note_en")


def upgrade(m):
    m.sql("""
CREATE TABLE sorting_item (
    id {pk},
    fraction VARCHAR(255) NOT NULL,
    name_fi VARCHAR(255) NOT NULL,
    name_sv VARCHAR(255) NOT NULL,
    name_en VARCHAR(255) NOT NULL,
    synonyms_fi TEXT NOT NULL,
    synonyms_sv TEXT NOT NULL,
    synonyms_en TEXT NOT NULL,
    note_fi TEXT NOT NULL,
    note_sv TEXT NOT NULL,
    note_en TEXT NOT NULL,
    updated_at {ts} NOT NULL
);
""")
    if m.dialect == "sqlite":
        m.sql("CREATE VIRTUAL TABLE sorting_search USING fts5(item_id UNINDEXED, lang UNINDEXED, term, "
              "tokenize='trigram')")
    else:
        m.sql("""
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE sorting_search (item_id INTEGER NOT NULL REFERENCES sorting_item (id) ON DELETE CASCADE,
                             lang VARCHAR(2) NOT NULL, term TEXT NOT NULL);
CREATE INDEX sorting_search_term ON sorting_search USING gin (term gin_trgm_ops);
CREATE INDEX sorting_search_item ON sorting_search (item_id);
""")
    p = m.db.param
    with CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            values = [row[c].strip() for c in COLUMNS]
            cursor = m.db.execute_sql(
                f"INSERT INTO sorting_item ({', '.join(COLUMNS)}, updated_at) VALUES "
                f"({', '.join([p] * (len(COLUMNS) + 1))})" + (" RETURNING id" if m.dialect == "postgresql" else ""),
                values + [utcnow()])
            item_id = cursor.fetchone()[0] if m.dialect == "postgresql" else cursor.lastrowid
            for lang in ("fi", "sv", "en"):
                terms = [row[f"name_{lang}"]] + row[f"synonyms_{lang}"].split(",")
                for term in {t.strip().lower() for t in terms if t.strip()}:
                    m.db.execute_sql(f"INSERT INTO sorting_search (item_id, lang, term) VALUES ({p}, {p}, {p})",
                                     [item_id, lang, term])
