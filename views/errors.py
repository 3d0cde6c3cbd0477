"""Translated error pages."""
from __future__ import annotations

from flask import render_template
from flask_wtf.csrf import CSRFError


def init_app(app) -> None:
    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(413)
    @app.errorhandler(500)
    def _error(error):
        code = getattr(error, "code", 500)
        return render_template("errors/error.html", code=code), code

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_template("errors/error.html", code="csrf"), 400
