"""Every catalog is complete, and the code has no message the catalogs lack."""
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("fi", "sv", "en")


def catalog(lang):
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("lang", LOCALES)
def test_catalog_has_no_untranslated_or_fuzzy_entries(lang):
    problems = []
    for message in catalog(lang):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id)
    assert problems == []


def test_catalogs_contain_every_message_of_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-c", "import sys; from babel.messages.frontend import main; "
                    "sys.argv[0] = 'pybabel'; main()", "-q", "extract",
                    "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                    "--ignore-dirs", ".* _* node_modules tests bench tools migrations static",
                    "-o", str(pot), str(ROOT)], check=True)
    with pot.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    for lang in LOCALES:
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(lang) if m.id}
        assert wanted - have == set(), f"{lang}: run `flask translate update` and translate"


@pytest.mark.parametrize("lang, expected", [("fi", "Kirjaudu sisään"), ("sv", "Logga in"),
                                            ("en", "Log in")])
def test_start_page_in_each_language(client, lang, expected):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    page = client.get("/").get_data(as_text=True)
    assert f'lang="{lang}"' in page and expected in page
