from django.apps import AppConfig
from django.db.models.signals import post_migrate

GUARD_MIGRATION = "0003_data_access_append_only"


def _append_only_guard_after_migrate(sender, using, **kwargs) -> None:
    # After every migrate (and the test database set-up, which runs without migrations) the
    # access-log table is guarded; on SQLite a table rebuilt by a later migration loses its triggers.
    # A database migrated back before 0003 keeps the guard off, as the reverse migration left it.
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from pronoia.audit.access_log import append_only_guard_install

    connection = connections[using]
    recorder = MigrationRecorder(connection)
    if recorder.has_table():
        applied = {name for app, name in recorder.applied_migrations() if app == "audit"}
        if applied and GUARD_MIGRATION not in applied:
            return
    append_only_guard_install(connection)


class AuditConfig(AppConfig):
    name = "pronoia.audit"
    label = "audit"

    def ready(self) -> None:
        post_migrate.connect(_append_only_guard_after_migrate, sender=self, dispatch_uid="pronoia.audit.append_only_guard")
