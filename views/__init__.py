"""One blueprint per feature."""
from views import (account, admin, auth, collection_points, compost, eforms, joining, errors, feed, invoices, labels, monitoring, notices, notifications, pages, properties,
                   shared_bins, sludge, sorting, staff, staff_invoices, staff_sludge, staff_sorting, support, waste, water)


def register_blueprints(app) -> None:
    labels.init_app(app)
    errors.init_app(app)

    for module in (monitoring, pages, auth, account, notifications, properties, waste, feed, water, invoices, compost,
                   support, staff, staff_invoices, notices, sludge, staff_sludge, collection_points, sorting, staff_sorting, joining, eforms, shared_bins, admin):
        app.register_blueprint(module.bp)
