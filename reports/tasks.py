"""django-q2 task functions of the reports app. They take ids and call services."""

from django.conf import settings

from reports.rollup import rollup_maintain
from reports.services import export_build, exports_prune

# PDFs name their images and fonts relative to this; the report embeds everything itself.
PDF_BASE_URL = "file://" + str(settings.BASE_DIR) + "/"


def build_export(export_id):
    """Build a queued export; returns its status."""
    return export_build(export_id=export_id, base_url=PDF_BASE_URL).status


def prune_exports():
    """Daily: remove old export files; returns how many."""
    return exports_prune()


def maintain_rollup():
    """Every minute: build missing or outdated rollups, count pending check-ins."""
    return rollup_maintain()
