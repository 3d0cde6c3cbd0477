"""One blueprint per feature."""


def register_blueprints(app) -> None:
    from views import account, auth, errors, feed, labels, pages, properties, staff, waste, water

    labels.init_app(app)
    errors.init_app(app)

    for module in (pages, auth, account, properties, waste, feed, water, staff):
        app.register_blueprint(module.bp)
