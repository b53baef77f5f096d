"""Attachments at rest: encrypted bytes, encrypted name, random name on disk; the data migration
encrypts rows stored plain before it; the access log is append-only."""

from __future__ import annotations

import hashlib
import importlib
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from minsheng.petitions.attachments import attachment_content, attachment_store, masked_name
from minsheng.petitions.models import Attachment, PersonalDataAccess

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + "李四的身份证".encode() + b"\x00" * 64
NAME = "李四_身份证正反面.jpg"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _raw(pk: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT file, original_name FROM petitions_attachment WHERE id = %s", [pk])
        file_name, original = cursor.fetchone()
    return file_name, original


def test_bytes_and_name_are_encrypted_and_the_disk_name_is_random(register: Any) -> None:
    petition = register()
    stored = attachment_store(petition, content=JPEG, content_type="image/jpeg", original_name=NAME)
    file_name, original = _raw(stored.pk)
    assert re.fullmatch(r"attachments/[0-9a-f]{32}", file_name)
    assert petition.tracking_code not in file_name and "李四" not in file_name
    assert "李四" not in original and original.startswith("gAAAA")  # a Fernet token
    with default_storage.open(file_name, "rb") as handle:
        on_disk = handle.read()
    assert JPEG not in on_disk and "李四".encode() not in on_disk
    again = Attachment.objects.get(pk=stored.pk)
    assert again.original_name == NAME
    assert attachment_content(again) == JPEG
    assert again.sha256 == hashlib.sha256(JPEG).hexdigest() and again.size == len(JPEG)


def test_a_tampered_file_is_refused(register: Any) -> None:
    stored = attachment_store(register(), content=JPEG, content_type="image/jpeg", original_name=NAME)
    default_storage.delete(stored.file.name)
    default_storage.save(stored.file.name, ContentFile(b"not a token"))
    with pytest.raises(ValueError):
        attachment_content(Attachment.objects.get(pk=stored.pk))


def test_masked_name() -> None:
    assert masked_name(1, "image/jpeg") == "附件1.jpg"
    assert masked_name(2, "application/pdf") == "附件2.pdf"


def test_data_migration_encrypts_plain_rows_in_place(register: Any) -> None:
    """A row as the portal stored it before: plain bytes under attachments/<code>/<hash>, plain name."""
    petition = register()
    stored = attachment_store(petition, content=JPEG, content_type="image/jpeg", original_name=NAME)
    default_storage.delete(stored.file.name)
    old_path = default_storage.save(
        f"attachments/{petition.tracking_code}/{stored.sha256[:16]}", ContentFile(JPEG)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE petitions_attachment SET file = %s, original_name = %s WHERE id = %s",
            [old_path, NAME, stored.pk],
        )
    migration = importlib.import_module("minsheng.petitions.migrations.0003_attachments_encrypted_access_log")
    migration.encrypt_attachments(None, SimpleNamespace(connection=connection))

    file_name, original = _raw(stored.pk)
    assert re.fullmatch(r"attachments/[0-9a-f]{32}", file_name)
    assert not default_storage.exists(old_path)
    assert "李四" not in original
    again = Attachment.objects.get(pk=stored.pk)
    assert again.original_name == NAME and attachment_content(again) == JPEG
    # Running it again changes nothing.
    migration.encrypt_attachments(None, SimpleNamespace(connection=connection))
    assert _raw(stored.pk) == (file_name, original)


def test_access_rows_are_append_only(register: Any, users: Any) -> None:
    from minsheng.petitions.access_log import record_access

    row = record_access(users["dispatcher"], register(), kind="reveal", reason="电话告知", fields=["name"])
    assert row.organ is not None and row.flagged is False
    row.reason = "改写"
    with pytest.raises(ValueError):
        row.save()
    assert PersonalDataAccess.objects.get(pk=row.pk).reason == "电话告知"


def test_rows_about_an_accuser_are_flagged(register: Any, users: Any, organs: Any) -> None:
    """Flagged: the petition is an accusation, or its petitioner has filed one."""
    from minsheng.petitions.access_log import record_access

    grievance = register()
    register(nature="accusation", accused_organ=organs["a-housing"], title="举报住建局某科长")
    row = record_access(users["dispatcher"], grievance, kind="reveal", reason="核实", fields=["name"])
    assert row.flagged is True
