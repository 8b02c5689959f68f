import django.db.models
from django.db import migrations

import attendance.shortcode


def give_each_ticket_its_own_code(apps, schema_editor):
    # AddField's default is evaluated once: every existing ticket would share one code.
    Ticket = apps.get_model("attendance", "Ticket")
    tickets = list(Ticket.objects.only("pk"))
    for ticket in tickets:
        ticket.short_code = attendance.shortcode.new_short_code()
    Ticket.objects.bulk_update(tickets, ["short_code"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0002_checkin_fewer_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="short_code",
            field=django.db.models.CharField(
                db_index=True, default="", max_length=7, verbose_name="short code"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(give_each_ticket_its_own_code, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ticket",
            name="short_code",
            field=django.db.models.CharField(
                db_index=True,
                default=attendance.shortcode.new_short_code,
                max_length=7,
                verbose_name="short code",
            ),
        ),
    ]
