"""The acceptance and extension notices cite Art. 34 (the 60-day period and its extension), not
Art. 32; the acceptance notice states the concrete due date and, for a provisional date, the rule
in plain words. A template still in its seeded wording takes the new default; an edited one keeps
its wording with the article corrected."""

from django.db import migrations

OLD_ACCEPT_SENTENCE = (
    "本机关将依照《信访工作条例》第三十二条的规定，自受理之日起60日内办结；情况复杂的，经本机关负责人批准，"
    "可以适当延长办理期限，但延长期限不得超过30日，并告知您延期理由。"
)


def forward(apps, schema_editor):
    from minsheng.documents.defaults import DEFAULT_TEMPLATES

    template = apps.get_model("documents", "DocumentTemplate")
    for row in template.objects.filter(kind__in=["accept_notice", "extension_notice"]):
        if row.kind == "accept_notice" and OLD_ACCEPT_SENTENCE in row.body:
            _title, body = DEFAULT_TEMPLATES["accept_notice"]
            start = body.index("本机关将依照")
            end = body.index("{{ provisional_rule }}{% endif %}") + len("{{ provisional_rule }}{% endif %}")
            row.body = row.body.replace(OLD_ACCEPT_SENTENCE, body[start:end])
        row.body = row.body.replace("《信访工作条例》第三十二条的规定", "《信访工作条例》第三十四条的规定")
        row.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("documents", "0003_no_reaccept_notice")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
