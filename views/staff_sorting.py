"""The sorting guide in the back office: find, add, edit and remove items, and download the
guide as the CSV file it started from (the rules are in domain/sorting.py)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from domain import sorting
from domain.errors import FieldError
from models import SortingItem
from views.helpers import Form, client_ip, get_or_404, placeholder, redirect_after_post, render, staff_required
from views.labels import label
from views.messages import apply_error, form_status

bp = Blueprint("staff_sorting", __name__, url_prefix="/staff/sorting-guide")


class ItemForm(Form):
    fraction = SelectField(_l("Where it goes"), validate_choice=False)
    name_fi = StringField(_l("Name in Finnish"), validators=[Length(max=120)])
    name_sv = StringField(_l("Name in Swedish"), validators=[Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[Length(max=120)])
    synonyms_fi = StringField(_l("Other words in Finnish (comma-separated)"), validators=[Length(max=500)])
    synonyms_sv = StringField(_l("Other words in Swedish (comma-separated)"), validators=[Length(max=500)])
    synonyms_en = StringField(_l("Other words in English (comma-separated)"), validators=[Length(max=500)])
    note_fi = TextAreaField(_l("Instruction in Finnish"), validators=[Length(max=300)])
    note_sv = TextAreaField(_l("Instruction in Swedish"), validators=[Length(max=300)])
    note_en = TextAreaField(_l("Instruction in English"), validators=[Length(max=300)])


@bp.route("")
@staff_required
def index():
    query = (request.args.get("q") or "").strip()[:60]
    items = ([h.item for h in sorting.search(query, "fi", limit=100)] if query else
             [i for _letter, items in sorting.index("fi") for i in items])
    return render("staff/sorting.html", items=items, query=query, count=SortingItem.select().count())


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:item_id>", methods=["GET", "POST"])
@staff_required
def edit(item_id=None):
    item = get_or_404(SortingItem, item_id) if item_id is not None else None
    form = ItemForm(obj=item if request.method == "GET" else None)
    form.fraction.choices = [placeholder()] + [(f, label("guide_fraction", f)) for f in sorting.FRACTIONS]
    if form.validate_on_submit():
        try:
            saved = sorting.save(current_user, item, form.data, ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("Saved: %(name)s.", name=saved.name_fi), "success")
            return redirect_after_post(url_for("staff_sorting.index", q=saved.name_fi))
    return render("staff/sorting_item.html", status=form_status(form), form=form, item=item)


@bp.route("/<int:item_id>/delete", methods=["POST"])
@staff_required
def delete(item_id):
    item = get_or_404(SortingItem, item_id)
    sorting.delete(current_user, item, ip=client_ip())
    flash(_("Removed: %(name)s.", name=item.name_fi), "success")
    return redirect_after_post(url_for("staff_sorting.index"))


@bp.route("/guide.csv")
@staff_required
def export():
    response = current_app.response_class(sorting.to_csv(), headers={"Content-Type": "text/csv; charset=utf-8"})
    response.headers["Content-Disposition"] = 'attachment; filename="sorting_guide.csv"'
    return response
