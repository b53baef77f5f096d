import minsheng.core.crypto
from django.db import migrations

SECRET_KINDS = ("query_password", "otp")
PLACEHOLDER = "[contains a secret: stored encrypted until sent, then erased]"


def move_secrets(apps, schema_editor):
    """Unsent messages with a secret: the text moves to the encrypted column; sent ones lose it."""
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    for message in OutboxMessage.objects.filter(kind__in=SECRET_KINDS).exclude(body=PLACEHOLDER):
        message.secret_body = message.body if message.status == "pending" else ""
        message.body = PLACEHOLDER
        message.save(update_fields=["body", "secret_body"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="secret_body",
            field=minsheng.core.crypto.EncryptedTextField(blank=True, default=""),
        ),
        migrations.RunPython(move_secrets, migrations.RunPython.noop),
    ]
