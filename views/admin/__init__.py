"""The municipality's data in the back office, a module per page group: prices and VAT
(`prices`), billing calendars (`calendars`), billing settings (`billing_settings`),
collection areas and announced days (`areas`). Administrators change them; customer service
reads them: one rule for every route, in `blueprint`."""
from views.admin import areas, billing_settings, calendars, prices  # noqa: F401 (their routes)
from views.admin.blueprint import bp

__all__ = ["bp"]
