"""The few helpers every view uses: page-or-fragment, owned-or-404, client address."""
from __future__ import annotations

import datetime as dt
import re
import secrets
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin, current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter
from wtforms import StringField
from wtforms.validators import ValidationError

from domain import emails
from models import Property


def render(page: str, fragments: dict[str, str] | None = None, *, status: int = 200, **context):
    """Render the whole page, or for an htmx request the fragment its target names.

    `fragments` maps the id of an element of the page (the htmx target) to the template
    that renders only that element; the page includes the same file, so markup is never
    written twice. Any other request (no JavaScript, a boosted link, a target not in the
    map) gets the whole page.
    """
    assert isinstance(status, int), "render(status=…) is the HTTP status; name template variables otherwise"
    g.vary_htmx = True
    template = page
    if fragments and request.htmx and not request.htmx.boosted:
        template = fragments.get(request.htmx.target or "", page)
    return render_template(template, **context), status


MAX_ID = 2**63 - 1  # the largest id the databases store; a larger one names nothing


# Characters no form field of Kotipiha means: C0 controls but tab and line breaks, DEL and
# the bidirectional overrides that make a text read differently than it is stored.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _clean(value):
    return CONTROL.sub("", value) if isinstance(value, str) else value


class CleanParams(ImmutableMultiDict):
    """Query and form values without control characters: a NUL or an escape pasted into any
    field of any page is dropped where the request is read, before a view, a database or a
    full-text index sees it (a NUL ended SQLite's FTS5 query with a 500)."""

    def __init__(self, mapping=None):
        if isinstance(mapping, MultiDict):
            mapping = list(mapping.items(multi=True))
        elif isinstance(mapping, dict):
            mapping = list(mapping.items())
        if mapping is not None:
            mapping = [(_clean(k), _clean(v)) for k, v in mapping]
        super().__init__(mapping)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: an id beyond 64 bits is a 404, not an overflow (the
    database cannot even compare it)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def get_owned_or_404(model, pk):
    """The `model` row with id `pk` if the current user may see it; 404 otherwise."""
    return _one_or_404(model.visible_to(current_user), model, pk)


def get_or_404(model, pk):
    """The `model` row with id `pk` for a staff page (staff see every row); 404 otherwise."""
    return _one_or_404(model.select(), model, pk)


def _one_or_404(query, model, pk):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < pk <= MAX_ID:
        abort(404)
    row = query.where(model.id == pk).get_or_none()
    if row is None:
        abort(404)
    return row


def client_ip() -> str:
    return request.remote_addr or "unknown"


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site may be a redirect target."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def staff_required(view):
    """The back office does not exist for anybody but staff: 404, not a login redirect."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not (current_user.is_authenticated and current_user.is_staff):
            abort(404)
        return view(*args, **kwargs)
    return wrapper


def resident_required(view):
    """A page of a resident's own data; staff work from the back office instead."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if current_user.customer_id is None:
            abort(404)
        return view(*args, **kwargs)
    return wrapper


class Form(FlaskForm):
    """Base of every form. CSRF is checked for every POST by CSRFProtect (the token comes
    from the hidden field or htmx's header), so the form does not check it a second time."""

    class Meta:
        csrf = False

    def process(self, *args, **kwargs):
        super().process(*args, **kwargs)
        # A text field left out of the request (a hand-made or truncated POST) is empty
        # text, as a browser would send it, never None further down.
        for field in self:
            if isinstance(field, StringField) and field.data is None and field.type != "HiddenField":
                field.data = ""


class ValidEmail:
    """The one email check of every form (domain/emails.py): a clear message, and the
    field holds the normalised address afterwards. An empty field is left to Optional /
    InputRequired."""

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            field.data = emails.normalize(field.data)
        except emails.InvalidEmail:
            raise ValidationError(_("Check the email address, for example maija@example.fi.")) from None


def redirect_after_post(url: str):
    """303 to `url`; for htmx, a header that makes the browser go there instead."""
    if request.htmx:
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


def parse_month(raw: str | None, default):
    """'2026-12' as the first day of that month, or `default`."""
    try:
        year, month = (int(p) for p in (raw or "").split("-"))
        return dt.date(year, month, 1)
    except (ValueError, OverflowError):
        return default


def home_for(user) -> str:
    """Where a user lands after logging in: staff on the back office, a resident with one
    property on that property, other residents on their list of properties."""
    if user.is_staff:
        return url_for("staff.home")
    only = [p.id for p in Property.of_user(user).limit(2)]
    if len(only) == 1:
        return url_for("properties.detail", property_id=only[0])
    return url_for("properties.index")


def optional_int(value):
    """A select's value as an int, or None for its empty placeholder option."""
    return None if value in ("", None) else int(value)


def placeholder() -> tuple[str, str]:
    """The first option of a required select: empty, with a label (HTML requires one)."""
    return ("", _("Choose…"))


def new_request_key() -> str:
    return secrets.token_urlsafe(16)


class Visitor(AnonymousUserMixin):
    """Somebody not logged in. After the consumption-point and meter-number check
    (`views.water.access`) a visitor may see that one point and nothing else."""

    is_staff = False
    is_admin = False
    customer_id = None
    language = None

    @property
    def water_point_id(self) -> int | None:
        return session.get("water_point_id")


def water_access_required(view):
    """A water page: for a resident, or for a visitor with a limited session."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated or current_user.water_point_id is not None:
            return view(*args, **kwargs)
        return redirect(url_for("water.access", next=request.full_path))
    return wrapper
