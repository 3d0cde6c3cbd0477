"""One blueprint per feature."""


def register_blueprints(app) -> None:
    from views import account, auth, errors, labels, pages, properties, staff

    labels.init_app(app)
    errors.init_app(app)

    for module in (pages, auth, account, properties, staff):
        app.register_blueprint(module.bp)
