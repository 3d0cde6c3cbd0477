"""The sorting guide for everyone (no login): search as you type, the A–Ö index, a
fraction's items, and the guide's data for the installed app to search offline."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import force_locale, get_locale, gettext as _

from domain import sorting
from views.helpers import render
from views.labels import label

bp = Blueprint("sorting", __name__, url_prefix="/sorting-guide")

RESULTS = {"sorting-results": "sorting/_results.html"}


@bp.route("")
def index():
    lang = str(get_locale())
    query = (request.args.get("q") or "").strip()[:60]
    fraction = request.args.get("fraction", "")
    fraction = fraction if fraction in sorting.FRACTIONS else ""
    hits = sorting.search(query, lang, fraction=fraction) if query else []
    letters = [] if query else sorting.index(lang, fraction=fraction)
    return render("sorting/index.html", RESULTS, query=query, fraction=fraction, hits=hits, letters=letters,
                  lang=lang, fractions=sorting.FRACTIONS)


@bp.route("/data.json")
def data():
    """The guide in one language (?lang=), public and small: the service worker keeps it so
    the installed app can search without a network."""
    lang = request.args.get("lang", "")
    lang = lang if lang in sorting.LANGS else str(get_locale())
    with force_locale(lang):
        body = {"lang": lang, "items": sorting.as_data(lang),
                "fractions": {f: {"label": label("guide_fraction", f), "note": label("guide_note", f)}
                              for f in sorting.FRACTIONS},
                "texts": {"offline": _("You are offline: these results come from the guide saved on this device."),
                          "none": _("Nothing found. Try another word, or ask customer service.")}}
    response = jsonify(body)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
