"""The personal-data access log becomes append-only in the database, and its chain cannot fork.

Also an index for one person's entries, newest first ("Who accessed my data").

Written by hand: the triggers are created by the same function the audit app's post_migrate
handler calls (pronoia.audit.access_log.append_only_guard_install); reversing drops them.
"""
from django.db import migrations, models


def guard_install(apps, schema_editor):
    from pronoia.audit.access_log import append_only_guard_install

    append_only_guard_install(schema_editor.connection)


def guard_remove(apps, schema_editor):
    from pronoia.audit.access_log import append_only_guard_remove

    append_only_guard_remove(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_dataaccessentry"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="dataaccessentry",
            constraint=models.UniqueConstraint(fields=("prev_hash",), name="data_access_one_successor_per_entry"),
        ),
        migrations.AddIndex(
            model_name="dataaccessentry",
            index=models.Index(fields=["person_id", "-id"], name="data_access_person_newest"),
        ),
        migrations.RunPython(guard_install, guard_remove),
    ]
