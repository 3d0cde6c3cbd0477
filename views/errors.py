"""Translated error pages."""
from __future__ import annotations

from flask_wtf.csrf import CSRFError

from views.helpers import render


def init_app(app) -> None:
    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(413)
    @app.errorhandler(500)
    def _error(error):
        code = getattr(error, "code", 500)
        return render("errors/error.html", status=code, code=code)

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render("errors/error.html", status=400, code="csrf")
