"""稳评 services (A-090..A-095) and consistency flags (一碗水端平). Every change writes a
StabilityLog row; evidence comes from petitions de-identified (no names, no phones)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import Forbidden, InvalidInput, NotFound
from minsheng.core.params import check_year
from minsheng.orgs.models import Category, Organ, Region, Role
from minsheng.orgs.selectors import is_admin, memberships_of
from minsheng.stability.consistency import FAVOURABLE, UNFAVOURABLE, outcomes_oppose
from minsheng.stability.models import (
    ConsistencyFlag,
    Consultation,
    DecisionKind,
    DecisionPetition,
    Dimension,
    DimensionFinding,
    MajorDecision,
    RiskLevel,
    StabilityLog,
)
from minsheng.stability.selectors import matching_petitions

DEFAULT_LEGAL_BASIS = "《重大行政决策程序暂行条例》第二十二条至第二十四条"
DECIDER_ROLES = (Role.LEADER, Role.ORGAN_HEAD)
#: Outcomes that put the decision into effect (A-094: never on a high risk).
IMPLEMENTING = (MajorDecision.Outcome.IMPLEMENT, MajorDecision.Outcome.IMPLEMENT_ADJUSTED)


def _log(action: str, actor: AbstractBaseUser | None, **kwargs: object) -> None:
    StabilityLog.objects.create(action=action, actor_id=actor.pk if actor else None, **kwargs)  # type: ignore[arg-type]


def _staff_of(user: AbstractBaseUser | None, organ_id: int, roles: Sequence[str] | None = None) -> bool:
    return is_admin(user) or any(
        m.organ_id == organ_id and (roles is None or m.role in roles) for m in memberships_of(user)
    )


def _text(value: str | None, name: str, label: str, *, max_length: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(_("请填写%(f)s。") % {"f": label}, field=name)
    if len(text) > max_length:
        raise InvalidInput(_("%(f)s不能超过%(n)s个字。") % {"f": label, "n": max_length}, field=name)
    return text


@dataclass
class DecisionInput:
    title: str
    kind: str
    organ: Organ
    region: Region
    scope: str
    planned_date: dt.date
    place: str = ""
    category: Category | None = None
    keywords: list[str] = field(default_factory=list)
    legal_basis: str = DEFAULT_LEGAL_BASIS


def decision_register(
    data: DecisionInput, *, actor: AbstractBaseUser, now: dt.datetime | None = None
) -> MajorDecision:
    """Register a major decision for assessment (A-093 step 1: 需评估)."""
    moment = now or timezone.now()
    if not _staff_of(actor, data.organ.pk):
        raise Forbidden(_("您不能为该机关登记重大决策事项。"))
    title = _text(data.title, "title", _("决策事项"), max_length=200)
    scope = _text(data.scope, "scope", _("决策内容与影响范围"), max_length=5000)
    basis = _text(data.legal_basis, "legal_basis", _("法律依据"), max_length=2000)
    place = _text(data.place, "place", _("具体地点"), max_length=200, required=False)
    if data.kind not in DecisionKind.values:
        raise InvalidInput(_("决策类型无效。"), field="kind")
    check_year(data.planned_date, "planned_date")
    keywords = sorted({k.strip() for k in data.keywords if k.strip()})
    if any(len(k) < 2 or len(k) > 20 for k in keywords) or len(keywords) > 10:
        raise InvalidInput(_("关键词每个2至20字，最多10个。"), field="keywords")
    with transaction.atomic():
        decision = MajorDecision.objects.create(
            title=title,
            kind=data.kind,
            organ=data.organ,
            region=data.region,
            place=place,
            category=data.category,
            keywords=keywords,
            scope=scope,
            planned_date=data.planned_date,
            legal_basis=basis,
            created_by_id=actor.pk,
            created_at=moment,
        )
        _log("register", actor, decision=decision, at=moment)
    return decision


def _open_decision(
    decision_id: int, actor: AbstractBaseUser, roles: Sequence[str] | None = None
) -> MajorDecision:
    decision = MajorDecision.objects.select_for_update().filter(pk=decision_id).first()
    if decision is None or not _staff_of(actor, decision.organ_id):
        raise NotFound(_("决策事项不存在。"))
    if roles is not None and not _staff_of(actor, decision.organ_id, roles):
        raise Forbidden(_("只有决策机关领导或负责人可以作出决策。"))
    if decision.status != MajorDecision.Status.ASSESSING:
        raise InvalidInput(_("该事项已作出决策，评估内容不能再修改。"), field="status")
    return decision


def consultation_add(
    decision_id: int,
    *,
    actor: AbstractBaseUser,
    method: str,
    held_on: dt.date,
    participants: str,
    summary: str,
    adoption: str = "",
    now: dt.datetime | None = None,
) -> Consultation:
    moment = now or timezone.now()
    if method not in Consultation.Method.values:
        raise InvalidInput(_("征求意见方式无效。"), field="method")
    if held_on > timezone.localdate(moment):
        raise InvalidInput(_("日期不能晚于今天。"), field="held_on")
    check_year(held_on, "held_on")
    with transaction.atomic():
        decision = _open_decision(decision_id, actor)
        row = Consultation.objects.create(
            decision=decision,
            method=method,
            held_on=held_on,
            participants=_text(participants, "participants", _("参加对象"), max_length=300),
            summary=_text(summary, "summary", _("主要意见"), max_length=5000),
            adoption=_text(adoption, "adoption", _("采纳情况"), max_length=5000, required=False),
            recorded_by_id=actor.pk,
            recorded_at=moment,
        )
        _log("consultation", actor, decision=decision, at=moment, data={"method": method})
    return row


def finding_record(
    decision_id: int,
    *,
    actor: AbstractBaseUser,
    dimension: str,
    findings: str,
    rating: str,
    now: dt.datetime | None = None,
) -> DimensionFinding:
    """The analysis of one dimension (合法性, 合理性, 可行性, 可控性); recording it again replaces it."""
    moment = now or timezone.now()
    if dimension not in Dimension.values:
        raise InvalidInput(_("评估维度无效。"), field="dimension")
    if rating not in DimensionFinding.Rating.values:
        raise InvalidInput(_("评估结论无效。"), field="rating")
    text = _text(findings, "findings", _("分析论证"), max_length=5000)
    with transaction.atomic():
        decision = _open_decision(decision_id, actor)
        earlier = DimensionFinding.objects.filter(decision=decision, dimension=dimension).first()
        replaced = {"findings": earlier.findings, "rating": earlier.rating} if earlier is not None else None
        row, _created = DimensionFinding.objects.update_or_create(
            decision=decision,
            dimension=dimension,
            defaults={"findings": text, "rating": rating, "recorded_by_id": actor.pk, "recorded_at": moment},
        )
        # The audit keeps what a re-recorded finding replaced, and the new text.
        data = {"dimension": dimension, "rating": rating, "findings": text, "replaced": replaced}
        _log("finding", actor, decision=decision, at=moment, data=data)
    return row


def risk_grade(
    decision_id: int,
    *,
    actor: AbstractBaseUser,
    level: str,
    risk_points: str,
    mitigations: str,
    response_plan: str = "",
    now: dt.datetime | None = None,
) -> MajorDecision:
    """Fix the risk level after the proposed measures (A-093 step 6); a medium or high level
    needs recorded mitigation measures and a response plan (A-094)."""
    moment = now or timezone.now()
    if level not in RiskLevel.values:
        raise InvalidInput(_("风险等级无效。"), field="level")
    points = _text(risk_points, "risk_points", _("风险点"), max_length=5000)
    measures = _text(
        mitigations, "mitigations", _("风险防范化解措施"), max_length=5000, required=level != "low"
    )
    plan = _text(response_plan, "response_plan", _("处置预案"), max_length=5000, required=level != "low")
    with transaction.atomic():
        decision = _open_decision(decision_id, actor)
        if decision.risk_level == RiskLevel.HIGH and level != RiskLevel.HIGH:
            _ensure_reassessed(decision)
        replaced = {
            "level": decision.risk_level,
            "risk_points": decision.risk_points,
            "mitigations": decision.mitigations,
            "response_plan": decision.response_plan,
        }
        decision.risk_level = level
        decision.risk_points = points
        decision.mitigations = measures
        decision.response_plan = plan
        decision.save(update_fields=["risk_level", "risk_points", "mitigations", "response_plan"])
        data = {
            "level": level,
            "risk_points": points,
            "mitigations": measures,
            "response_plan": plan,
            "replaced": replaced if replaced["level"] else None,
        }
        _log("grade", actor, decision=decision, at=moment, data=data)
    return decision


def _ensure_reassessed(decision: MajorDecision) -> None:
    """A-094 (accountability_rules.yaml risk_levels high: ``unblock: new assessment at lower level
    attached``): a high risk is lowered only on a new assessment — a consultation and all four
    dimensions recorded again after the high grade — never by editing the grade in place."""
    graded = (
        StabilityLog.objects.filter(decision=decision, action="grade", data__level=RiskLevel.HIGH)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )
    since = StabilityLog.objects.filter(decision=decision)
    if graded is not None:
        since = since.filter(at__gt=graded)
    consulted = since.filter(action="consultation").exists()
    dimensions = set(since.filter(action="finding").values_list("data__dimension", flat=True))
    if not consulted or set(Dimension.values) - dimensions:
        raise InvalidInput(
            _("高风险等级只能在重新评估（重新征求意见并重新分析四个维度）后降低，不能直接修改等级。"),
            field="level",
        )


def decision_decide(
    decision_id: int,
    *,
    actor: AbstractBaseUser,
    outcome: str,
    note: str = "",
    dissent: str = "",
    now: dt.datetime | None = None,
) -> MajorDecision:
    """The decision-maker's approval (决策条例 Arts. 24, 30; A-093 step 9). Refused until the four
    dimensions, at least one consultation and the risk level are recorded; a high risk cannot be
    implemented (A-094). The petitions before the decision are kept with it as its evidence."""
    from minsheng.stability.selectors import evidence_window

    moment = now or timezone.now()
    if outcome not in MajorDecision.Outcome.values:
        raise InvalidInput(_("决策结果无效。"), field="outcome")
    with transaction.atomic():
        decision = _open_decision(decision_id, actor, DECIDER_ROLES)
        missing = sorted(set(Dimension.values) - set(decision.findings.values_list("dimension", flat=True)))
        if missing:
            labels = "、".join(str(Dimension(d).label) for d in missing)
            raise InvalidInput(_("尚未完成以下维度的分析论证：%(d)s。") % {"d": labels}, field="findings")
        if not decision.consultations.exists():
            raise InvalidInput(_("尚未记录征求意见情况（决策条例第二十三条）。"), field="consultations")
        if not decision.risk_level:
            raise InvalidInput(_("尚未确定风险等级。"), field="risk_level")
        if decision.risk_level == RiskLevel.HIGH and outcome in IMPLEMENTING:
            raise InvalidInput(
                _("高风险事项不能作出实施决策：应调整决策草案、降低风险等级后重新评估，或暂缓、不实施。"),
                field="outcome",
            )
        decision.status = MajorDecision.Status.DECIDED
        decision.outcome = outcome
        decision.decision_note = _text(note, "note", _("决策意见"), max_length=5000, required=False)
        decision.dissent = _text(dissent, "dissent", _("不同意见"), max_length=5000, required=False)
        decision.decided_by_id = actor.pk
        decision.decided_at = moment
        decision.save()
        start, end = evidence_window(decision, moment)
        before = matching_petitions(decision).filter(received_at__gte=start, received_at__lt=end)
        DecisionPetition.objects.bulk_create(
            [
                DecisionPetition(decision=decision, petition_id=pid, phase="before", linked_at=moment)
                for pid in before.values_list("pk", flat=True)
            ],
            ignore_conflicts=True,
        )
        _log(
            "decide",
            actor,
            decision=decision,
            at=moment,
            data={"outcome": outcome, "level": decision.risk_level},
        )
    return decision


def link_after_petitions(*, now: dt.datetime | None = None) -> int:
    """The job that links petitions received after a decision, on its place and topic, back to it
    (A-095: related_decision), so that the assessment can be compared with what happened."""
    moment = now or timezone.now()
    created = 0
    decided = MajorDecision.objects.filter(status=MajorDecision.Status.DECIDED, outcome__in=IMPLEMENTING)
    for decision in decided:
        assert decision.decided_at is not None
        ids = list(
            matching_petitions(decision)
            .filter(received_at__gte=decision.decided_at, received_at__lte=moment)
            .exclude(pk__in=DecisionPetition.objects.filter(decision=decision).values("petition_id"))
            .values_list("pk", flat=True)
        )
        rows = DecisionPetition.objects.bulk_create(
            [
                DecisionPetition(decision=decision, petition_id=pid, phase="after", linked_at=moment)
                for pid in ids
            ],
            ignore_conflicts=True,
        )
        if rows:
            _log("link_after", None, decision=decision, at=moment, data={"count": len(rows)})
        created += len(rows)
    return created


# --- 一碗水端平 --------------------------------------------------------------------------------


def flag_resolve(
    flag_id: int, *, actor: AbstractBaseUser, status: str, reason: str, now: dt.datetime | None = None
) -> ConsistencyFlag:
    """A supervisor marks a flag explained (with the reason) or sends it for correction."""
    from minsheng.stability.selectors import can_review_flags, flags_for

    moment = now or timezone.now()
    if status not in (ConsistencyFlag.Status.EXPLAINED, ConsistencyFlag.Status.CORRECTION):
        raise InvalidInput(_("处理结果无效。"), field="status")
    text = _text(reason, "reason", _("说明或纠正要求"), max_length=2000)
    if not can_review_flags(actor):
        raise Forbidden(_("只有督查人员可以处理同案不同处理提示。"))
    with transaction.atomic():
        flag = ConsistencyFlag.objects.select_for_update().filter(pk=flag_id).first()
        if flag is None or not flags_for(actor).filter(pk=flag_id).exists():
            raise NotFound(_("提示不存在。"))
        if flag.status != ConsistencyFlag.Status.OPEN:
            raise InvalidInput(_("该提示已处理。"), field="status")
        flag.status = status
        flag.reason = text
        flag.resolved_by_id = actor.pk
        flag.resolved_at = moment
        flag.save()
        _log("flag_" + status, actor, flag=flag, at=moment)
    return flag


def _category(petition: Any) -> int | None:
    """The petition's category, else the classifier's suggestion recorded at registration."""
    if petition.category_id:
        return int(petition.category_id)
    suggested = (petition.suggestions or {}).get("category") or {}
    value = suggested.get("category_id")
    return int(value) if isinstance(value, int) else None


def _place(petition: Any, cache: dict[int, int]) -> int | None:
    """The county-level place of a petition: its recognised region, else where its receiving organ sits."""
    from minsheng.stability.selectors import district_of

    return district_of(petition.region_id or petition.receiving_organ.region_id, cache)


def consistency_scan(*, min_score: float = 0.5, now: dt.datetime | None = None) -> int:
    """Flag pairs of concluded petitions of the same category and district (the recognised region,
    else the receiving organ's) whose texts are alike
    (exact 3-gram Jaccard ≥ ``min_score`` through the similarity index) and whose handling
    opinions oppose. Idempotent: a pair is flagged once. Returns the number of new flags."""
    from minsheng.intelligence.similarity import similar_to_petition
    from minsheng.petitions.models import Petition
    from minsheng.stability.selectors import handling_outcomes

    moment = now or timezone.now()
    outcomes = handling_outcomes()
    if not outcomes:
        return 0
    petitions = {
        # Accusations are left out: their outcomes are not comparable grievances, and their texts
        # must not be shown side by side to anyone on the accused side (ADR 0006).
        p.pk: p
        for p in Petition.objects.filter(pk__in=outcomes.keys())
        .exclude(nature="accusation")
        .select_related("receiving_organ")
    }
    districts: dict[int, int] = {}
    new = 0
    for pid, petition in petitions.items():
        if outcomes[pid] not in FAVOURABLE | UNFAVOURABLE:
            continue
        for hit in similar_to_petition(petition, top=20, min_score=min_score):
            other = petitions.get(hit.id)
            if other is None or _category(other) is None or _category(other) != _category(petition):
                continue
            if not outcomes_oppose(outcomes[pid], outcomes[other.pk]):
                continue
            if _place(petition, districts) != _place(other, districts):
                continue
            first, second = sorted((petition, other), key=lambda p: p.pk)
            flag, created = ConsistencyFlag.objects.get_or_create(
                first=first,
                second=second,
                defaults={
                    "similarity": round(hit.score, 4),
                    "first_outcome": outcomes[first.pk],
                    "second_outcome": outcomes[second.pk],
                    "detected_at": moment,
                },
            )
            if created:
                _log("flag_raised", None, flag=flag, at=moment, data={"similarity": flag.similarity})
                new += 1
    return new
