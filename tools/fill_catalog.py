"""Fill translations into the fi and sv catalogs from a Python file of pairs.

    .venv/bin/python tools/fill_catalog.py translations.py [more.py …]

Each file defines T = {english_id: (finnish, swedish)}; a plural id is a tuple of
(singular, plural) and its translations are tuples too. Existing translations are
replaced; ids the catalogs do not have are reported.
"""
import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent.parent / "locales"


def main(paths):
    pairs = {}
    for path in paths:
        pairs.update(runpy.run_path(path)["T"])
    for index, lang in enumerate(("fi", "sv")):
        po = LOCALES / lang / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if message.id in pairs:
                message.string = pairs[message.id][index]
                message.flags.discard("fuzzy")
        unknown = [key for key in pairs if key not in catalog]
        with po.open("wb") as handle:
            write_po(handle, catalog, no_location=True, sort_output=True)
    if unknown:
        print("not in the catalogs:", *unknown, sep="\n  ")


if __name__ == "__main__":
    main(sys.argv[1:])
