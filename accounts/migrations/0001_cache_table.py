"""The shared cache's table (settings: CACHES), made by `migrate` like every other table.

`createcachetable` makes the table of every database cache in CACHES and skips one that
exists; with Redis configured it makes nothing.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
