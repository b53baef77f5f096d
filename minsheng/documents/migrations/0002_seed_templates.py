"""Seed one editable template per document kind with the default wording."""

from django.db import migrations


def seed(apps, schema_editor):
    from minsheng.documents.defaults import DEFAULT_TEMPLATES

    template = apps.get_model("documents", "DocumentTemplate")
    for kind, (title, body) in DEFAULT_TEMPLATES.items():
        template.objects.get_or_create(kind=kind, defaults={"title": title, "body": body})


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
