from django.db import migrations

# A backlog row lives until the next fold, a few seconds: compressing its payload on the way in (and
# decompressing it to fold) costs more than the bytes it saves. PostgreSQL only; SQLite never compresses.


def _storage(kind: str):  # noqa: ANN202 - a migration step
    def step(apps, schema_editor):  # noqa: ANN001, ANN202, ARG001
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE engine_metricbacklog ALTER COLUMN payload SET STORAGE {kind}")

    return step


class Migration(migrations.Migration):
    dependencies = [("engine", "0007_event_log_fewer_indexes")]

    operations = [migrations.RunPython(_storage("EXTERNAL"), _storage("EXTENDED"))]
