"""Every state change is audited, also through the admin (review of 2026-12-07): a document
template (checked before it is saved: one that does not compile broke every later document of its
kind), a leader's name (the chain of past days names him through it), a staff member's removed
authenticator; a webhook subscription is not deleted (its delivery log would go with it)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from minsheng.accountability.models import AuditEntry, Leader
from minsheng.documents.defaults import DEFAULT_TEMPLATES
from minsheng.documents.models import DocumentTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_web(client: Client, users: Any) -> Client:
    client.force_login(users["admin"])
    return client


def test_a_document_template_is_checked_and_its_edit_audited(admin_web: Client) -> None:
    title, body = DEFAULT_TEMPLATES["accept_notice"]
    row, _created = DocumentTemplate.objects.get_or_create(
        kind="accept_notice", defaults={"title": title, "body": body}
    )
    url = f"/admin/documents/documenttemplate/{row.pk}/change/"
    broken = admin_web.post(url, {"kind": "accept_notice", "title": "受理告知书", "body": "{% if %}坏模板"})
    row.refresh_from_db()
    assert broken.status_code == 200 and "文书模板有误" in broken.content.decode()
    assert row.body == body and not AuditEntry.objects.exists()
    saved = admin_web.post(url, {"kind": "accept_notice", "title": "受理告知书", "body": "新正文"})
    assert saved.status_code == 302
    (entry,) = AuditEntry.objects.filter(action="document_template_saved")
    assert (entry.data["body"], entry.data["replaced"]["body"]) == ("新正文", body)
    assert (
        admin_web.post(f"/admin/documents/documenttemplate/{row.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )


def test_a_leader_rename_is_audited_with_the_old_name(admin_web: Client) -> None:
    leader = Leader.objects.create(name="张三")
    response = admin_web.post(
        f"/admin/accountability/leader/{leader.pk}/change/", {"name": "李四", "user": ""}
    )
    assert response.status_code == 302 and Leader.objects.get().name == "李四"
    (entry,) = AuditEntry.objects.filter(action="leader_saved")
    assert (entry.data["name"], entry.data["replaced"]["name"]) == ("李四", "张三")


def test_removing_an_authenticator_is_a_security_event(admin_web: Client, users: Any) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from minsheng.orgs.models import SecurityEvent

    device = TOTPDevice.objects.create(user=users["registrar"], name="动态口令", confirmed=True)
    response = admin_web.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not TOTPDevice.objects.exists()
    (event,) = SecurityEvent.objects.filter(kind="otp_removed")
    assert (event.user, event.actor) == (users["registrar"], users["admin"])


def test_a_webhook_subscription_is_not_deleted(admin_web: Client, users: Any) -> None:
    from minsheng.integrations.keys import integration_create
    from minsheng.integrations.models import WebhookSubscription
    from minsheng.integrations.webhooks import webhook_subscribe

    integration, _key = integration_create("测试接口", actor=users["admin"])
    sub, _secret = webhook_subscribe(integration.pk, "https://example.org/hook", actor=users["admin"])
    response = admin_web.post(f"/admin/integrations/webhooksubscription/{sub.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403 and WebhookSubscription.objects.filter(pk=sub.pk).exists()
