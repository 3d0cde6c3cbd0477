"""One blueprint per feature."""


def register_blueprints(app) -> None:
    from views import (account, auth, compost, errors, feed, labels, pages, properties, staff, support,
                       waste, water)

    labels.init_app(app)
    errors.init_app(app)

    for module in (pages, auth, account, properties, waste, feed, water, compost, support, staff):
        app.register_blueprint(module.bp)
