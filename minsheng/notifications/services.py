"""Write notifications to the outbox (inside the caller's transaction) and send them after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from minsheng.notifications.models import OutboxMessage

logger = logging.getLogger(__name__)

_suppressed: ContextVar[bool] = ContextVar("minsheng_notifications_suppressed", default=False)


@contextmanager
def notifications_suppressed() -> Iterator[None]:
    """No outbox messages inside this block (demo data, imports of historical cases)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def notifications_are_suppressed() -> bool:
    """Inside ``notifications_suppressed()`` (demo data, historical imports): webhooks stay quiet too."""
    return _suppressed.get()


# Messages that carry a secret (query password, one-time code): the text is stored only encrypted
# (OutboxMessage.secret_body) and erased once sent or given up; ``body`` keeps a placeholder.
SECRET_KINDS = frozenset({"query_password", "otp"})
SECRET_PLACEHOLDER = "[contains a secret: stored encrypted until sent, then erased]"

# Texts to petitioners, translated into the petitioner's language when sent (Petitioner.language).
PETITIONER_TEXTS: dict[str, str] = {
    "registered": gettext_noop("您的信访事项已登记，查询码 {code}。"),
    "forwarded": gettext_noop("您的信访事项（查询码 {code}）已转送{organ}办理。"),
    "accepted": gettext_noop("您的信访事项（查询码 {code}）已受理，受理告知书可在网上查询。"),
    "not_accepted": gettext_noop("您的信访事项（查询码 {code}）不予受理，告知书及理由可在网上查询。"),
    "redirected": gettext_noop(
        "您的信访事项（查询码 {code}）应通过法定途径解决，请查看告知内容并注意相关时效。"
    ),
    "extended": gettext_noop("您的信访事项（查询码 {code}）办理期限经批准延长，延期理由可在网上查询。"),
    "answered": gettext_noop("您的信访事项（查询码 {code}）已答复，请查看处理意见并评价。"),
    "review_answered": gettext_noop("您的复查申请（查询码 {code}）已答复，请查看复查意见。"),
    "final": gettext_noop("您的复核申请（查询码 {code}）已答复，复核意见为最终意见。"),
}

ORGAN_TEXTS: dict[str, str] = {
    "routed": "新转送/交办信访事项 {code}，请及时签收。",
    "reported_for_decision": "信访事项 {code} 情况重大紧急，报请决定。",
    "objection": "信访事项 {code} 的承办机关提出异议，请核实。",
    "jurisdiction_dispute": "信访事项 {code} 的受理机关有争议，请确定受理机关（条例第二十四条第一款）。",
    "completion_report": "交办事项 {code} 已报送办结报告。",
    "review_requested": "收到复查申请 {code}，请在30日内提出复查意见。",
    "recheck_requested": "收到复核申请 {code}，请在30日内提出复核意见。",
    "supervision": "信访事项 {code} 被督办，请按期书面反馈。",
    "unsatisfied": "信访事项 {code} 的信访人评价为不满意，请负责人关注。",
    "urgent": "重大紧急信访事项 {code}：请立即处置。",
    "follow_up": "信访事项 {code} 系复核终结后以同一事实和理由再次提出，已不再受理；请做好疏导教育、矛盾化解、帮扶救助工作（条例第三十七条第三款）。",
    "execution": "信访事项 {code} 的意见支持信访人的请求，请督促有关机关或者单位执行并记录落实情况（条例第三十二条第二款）。",
    "guidance": "信访事项 {code} 的意见不予支持信访人的请求，请做好疏导教育工作并记录（条例第三十二条第二款）。",
    "cadre_accusation": "涉及干部的检举控告件 {code} 已按管理权限转纪检监察机关办理（条例第三十条第二款），请组织（人事）部门知悉。",
    "due_soon": "信访事项 {code}：{rule}将于 {due} 届满。",
    "overdue": "信访事项 {code}：{rule}已于 {due} 届满。",
    "due_soon_digest": "{count} 件信访事项的期限将在 {days} 日内届满，请在临期清单中查看。",
    "overdue_digest": "{count} 件信访事项的期限已届满，已自动督办，请在超期清单中查看。",
    "awaiting_signoff": "信访事项 {code} 的意见书（处理、复查或复核意见书）已起草，待签发。",
    "recusal": "信访事项 {code}：有工作人员声明回避（条例第二十八条第三款），请另行指定承办人。",
}


def _enqueue_send(message_ids: list[int]) -> None:
    from minsheng.notifications.tasks import outbox_send_task

    for mid in message_ids:
        try:
            outbox_send_task.enqueue(message_id=mid)
        except Exception:  # a broken queue must not lose the message: the sweep retries pending rows
            logger.exception("could not enqueue outbox message %s", mid)


def _queue_in_database() -> bool:
    """Whether the task queue is a table of this database (django-tasks-db, what production runs)."""
    try:
        from django_tasks import task_backends
        from django_tasks_db import DatabaseBackend
    except ImportError:  # pragma: no cover - both are installed by requirements.txt
        return False
    return isinstance(task_backends["default"], DatabaseBackend)


def queue_sending(message_ids: list[int]) -> None:
    """Hand outbox messages to the task queue that sends them.

    A queue kept in this database is written in the caller's transaction (the transactional
    outbox: the task rows commit with the messages or not at all, and no second commit follows
    the caller's — a registration pays one commit, not three). Any other queue (the immediate one
    of the tests) gets them only after the commit, so nothing is sent for a rolled-back change.
    Either way a message the queue never got is still sent: the worker's sweep retries pending
    rows."""
    if not message_ids:
        return
    ids = list(message_ids)
    if transaction.get_connection().in_atomic_block and _queue_in_database():
        from minsheng.notifications.tasks import outbox_send_task

        for mid in ids:
            outbox_send_task.enqueue(message_id=mid)
        return
    transaction.on_commit(lambda: _enqueue_send(ids))


def outbox_notify_petitioner(petition_id: int, kind: str, *, sms: bool = True, **context: Any) -> list[int]:
    """Queue an SMS / e-mail to the petitioner of a petition (none if no contact data; no SMS when
    ``sms`` is False: another text of the same transaction already says it)."""
    from minsheng.petitions.models import Petition

    if _suppressed.get():
        return []
    petition = Petition.objects.select_related("petitioner").filter(pk=petition_id).first()
    if petition is None or petition.petitioner is None:
        return []
    with translation.override(petition.petitioner.text_language):
        text = _(PETITIONER_TEXTS.get(kind, "{code}")).format(code=petition.tracking_code, **context)
        subject = _("民声 · 信访事项进展")
    ids = []
    if petition.petitioner.phone and sms:
        ids.append(
            OutboxMessage.objects.create(
                petition=petition,
                channel=OutboxMessage.Channel.SMS,
                recipient=petition.petitioner.phone,
                kind=kind,
                body=text,
            ).pk
        )
    if petition.petitioner.email:
        ids.append(
            OutboxMessage.objects.create(
                petition=petition,
                channel=OutboxMessage.Channel.EMAIL,
                recipient=petition.petitioner.email,
                kind=kind,
                subject=subject,
                body=text,
            ).pk
        )
    queue_sending(ids)
    return ids


def outbox_notify_organ(
    petition_id: int, organ_id: int, kind: str, *, heads_only: bool = False, **context: Any
) -> list[int]:
    """Queue in-app messages to the staff of an organ (or only its heads)."""
    from minsheng.orgs.models import Role, StaffMembership
    from minsheng.petitions.models import Petition

    if _suppressed.get():
        return []
    petition = Petition.objects.filter(pk=petition_id).first()
    if petition is None:
        return []
    if context.get("rule"):
        # Callers pass the rule id (D-HANDLE-60); people read its name.
        from minsheng.workflow.labels import rule_name_zh

        context["rule"] = rule_name_zh(str(context["rule"]))
    text = ORGAN_TEXTS.get(kind, "{code}").format(
        code=petition.tracking_code, **{"rule": "", "due": "", **context}
    )
    members = StaffMembership.objects.filter(organ_id=organ_id)
    if heads_only:
        members = members.filter(role=Role.ORGAN_HEAD)
    user_ids = sorted(set(members.values_list("user_id", flat=True)))
    if petition.nature == "accusation" and petition.accused_organ_id:
        # nothing about an accusation reaches its accused side, whatever post it is sent to.
        from minsheng.petitions.confidentiality import accused_side_user_ids

        excluded = accused_side_user_ids(petition.accused_organ_id, user_ids)
        user_ids = [uid for uid in user_ids if uid not in excluded]
    rows = [
        OutboxMessage(
            petition=petition,
            channel=OutboxMessage.Channel.IN_APP,
            recipient=f"user:{uid}",
            kind=kind,
            body=text,
            status=OutboxMessage.Status.SENT,
            sent_at=timezone.now(),
        )
        for uid in user_ids
    ]
    OutboxMessage.objects.bulk_create(rows)
    return [r.pk for r in rows if r.pk]


def outbox_send(message_id: int) -> bool:
    """Send one pending message; idempotent (compare-and-set on the status)."""
    from minsheng.notifications.sms import get_backend, send_sms

    message = OutboxMessage.objects.filter(pk=message_id, status=OutboxMessage.Status.PENDING).first()
    if message is None:
        return False
    if message.next_attempt_at is not None and message.next_attempt_at > timezone.now():
        return False  # backing off: the sweep sends it when it is due
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=OutboxMessage.Status.PENDING, attempts=message.attempts
    ).update(attempts=message.attempts + 1)
    if not claimed:
        return False
    try:
        text = message.secret_body or message.body
        if message.channel == OutboxMessage.Channel.SMS:
            send_sms(get_backend(), message.recipient, text, key=f"outbox-{message.pk}")
        elif message.channel == OutboxMessage.Channel.EMAIL:
            send_mail(message.subject or "minsheng", text, None, [message.recipient])
        elif message.channel == OutboxMessage.Channel.WEBHOOK:
            from minsheng.integrations.webhooks import webhook_deliver

            webhook_deliver(message, attempt=message.attempts + 1)
    except Exception as exc:
        failed = message.attempts + 1 >= _max_attempts(message)
        error = type(exc).__name__  # a gateway's message may quote the text: keep the secret out
        if message.kind not in SECRET_KINDS:
            # An SMTP or SMS gateway's message quotes the address or number it refused: the recipient
            # is personal data (encrypted in its column), never written in clear here or in the log.
            detail = str(exc)
            if message.recipient:
                detail = detail.replace(message.recipient, "＊＊＊")
            error = f"{error}: {deidentify_text(detail)}"
        failure: dict[str, Any] = {
            "last_error": error[:500],
            "status": OutboxMessage.Status.FAILED if failed else OutboxMessage.Status.PENDING,
        }
        if failed:
            failure["secret_body"] = ""
        elif message.channel == OutboxMessage.Channel.WEBHOOK:
            from minsheng.integrations.webhooks import webhook_backoff

            failure["next_attempt_at"] = timezone.now() + webhook_backoff(message.attempts + 1)
        # (a row given up meanwhile — a disabled webhook subscription — stays given up)
        OutboxMessage.objects.filter(pk=message_id, status=OutboxMessage.Status.PENDING).update(**failure)
        logger.warning("outbox %s (%s) failed: %s", message_id, message.kind, error)
        return False
    update: dict[str, Any] = {"status": OutboxMessage.Status.SENT, "sent_at": timezone.now()}
    if message.kind in SECRET_KINDS:
        update["body"] = SECRET_PLACEHOLDER
        update["secret_body"] = ""  # never keep passwords at rest, even encrypted, once sent
    OutboxMessage.objects.filter(pk=message_id).update(**update)
    return True


def deidentify_text(text: str) -> str:
    """``text`` with addresses and phone-like numbers masked (analytics.selectors.deidentify)."""
    from minsheng.analytics.selectors import deidentify

    return deidentify(text)


def _max_attempts(message: OutboxMessage) -> int:
    if message.channel == OutboxMessage.Channel.WEBHOOK:
        return int(getattr(settings, "MINSHENG_WEBHOOK_MAX_ATTEMPTS", 8))
    return 5


def outbox_send_pending(limit: int = 200) -> int:
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
    ids = list(
        OutboxMessage.objects.filter(due, status=OutboxMessage.Status.PENDING).values_list("pk", flat=True)[
            :limit
        ]
    )
    return sum(1 for mid in ids if outbox_send(mid))


def outbox_send_direct(
    channel: str, recipient: str, kind: str, body: str, subject: str = "", *, petition_id: int | None = None
) -> int:
    """Messages with a text of their own (acknowledgements with the query password), optionally
    filed on a petition. Secret kinds keep their text only encrypted until sent."""
    secret = kind in SECRET_KINDS
    message = OutboxMessage.objects.create(
        petition_id=petition_id,
        channel=channel,
        recipient=recipient,
        kind=kind,
        body=SECRET_PLACEHOLDER if secret else body,
        secret_body=body if secret else "",
        subject=subject,
    )
    queue_sending([message.pk])
    return message.pk
