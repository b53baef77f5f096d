"""Demo petitions made from the real TipDM messages, driven through the real services.

Every demo petition is registered with ``petition_register`` and moved with
``petition_transition`` at simulated past times, so its timeline, deadlines and documents are
exactly what the live system would have produced. Idempotent: a message already loaded is
skipped (``suggestions['demo_source']``).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from minsheng.analytics.nlp.entities import regions as code_regions
from minsheng.analytics.nlp.places import LearnedGazetteer, admin_gazetteer, district_codes
from minsheng.core.errors import ApplicationError
from minsheng.notifications.services import notifications_suppressed
from minsheng.orgs.demo import DATA_DIR, DemoWorld
from minsheng.orgs.models import Category, Organ, Region, Responsibility, Role, StaffMembership
from minsheng.petitions.models import Petition, State
from minsheng.workflow.services import (
    PetitionerInput,
    RegistrationInput,
    petition_register,
    petition_transition,
)
from minsheng.workflow.sweeps import deadlines_sweep

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧建国平刚桂兰玉霞红梅春林海波宁辉"
CHANNELS = ["online"] * 45 + ["letter"] * 20 + ["phone"] * 20 + ["visit"] * 10 + ["fax"] * 5

# (final state of the main path, weight)
PLAN = [
    ("registered", 40),
    ("bureau_triage", 15),
    ("forwarded", 35),
    ("organ_received", 30),
    ("accepted", 20),
    ("in_handling", 90),
    ("extended", 20),
    ("simplified_handling", 12),
    ("concluded", 25),
    ("delivered", 50),
    ("closed_no_review", 30),
    ("review_requested", 20),
    ("review_concluded", 15),
    ("recheck_requested", 10),
    ("final", 15),
    ("not_accepted", 15),
    ("suggestion_replied", 20),
    ("routed_discipline", 10),
    ("routed_political_legal", 10),
    ("objection_pending", 6),
    ("redirected_statutory", 8),
]

OPINION_LEGAL_BASIS = {
    "城乡建设": "《中华人民共和国城乡规划法》《物业管理条例》",
    "劳动和社会保障": "《中华人民共和国劳动合同法》《保障农民工工资支付条例》",
    "教育文体": "《中华人民共和国教育法》《中华人民共和国义务教育法》",
    "商贸旅游": "《中华人民共和国消费者权益保护法》《中华人民共和国旅游法》",
    "卫生计生": "《中华人民共和国基本医疗卫生与健康促进法》",
    "环境保护": "《中华人民共和国环境保护法》《中华人民共和国噪声污染防治法》",
    "交通运输": "《中华人民共和国道路交通安全法》《城市公共交通条例》",
}


#: The hand-labelled same-matter groups of the vendored messages (docs/analytics.md).
MATTERS_CSV = Path(__file__).resolve().parent.parent / "analytics" / "data" / "hot_issue_groups.csv"
#: Short stories, so that every petition of a matter is received within the dashboard's 90 days.
RECENT_TARGETS = (
    "registered",
    "bureau_triage",
    "forwarded",
    "organ_received",
    "accepted",
    "in_handling",
    "not_accepted",
    "simplified_handling",
)
#: At most this share of the demo petitions comes from same-matter groups.
MATTER_SHARE = 0.25


@dataclass
class Message:
    source: str
    title: str
    body: str
    at: dt.datetime
    category: str
    reply: str


def read_messages() -> Iterator[Message]:
    with gzip.open(DATA_DIR / "messages_labeled.csv.gz", "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield Message(
                f"labeled:{row['留言编号']}",
                row["留言主题"],
                row["留言详情"],
                dt.datetime.fromisoformat(row["留言时间_iso"]),
                row["一级分类"],
                "",
            )
    with gzip.open(DATA_DIR / "messages_with_replies.csv.gz", "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield Message(
                f"replies:{row['留言编号']}",
                row["留言主题"],
                row["留言详情"],
                dt.datetime.fromisoformat(row["留言时间_iso"]),
                "",
                row.get("答复意见", ""),
            )


def guess_nature(text: str) -> str:
    if re.search(r"举报|检举|贪污|受贿|腐败|违纪", text):
        return "accusation"
    if re.search(r"法院|判决|起诉|诉讼|执行庭|仲裁裁决", text):
        return "litigation_related"
    if re.search(r"建议|希望.{0,6}(增设|开通|规划|增加)|提议", text):
        return "suggestion"
    return "grievance"


def split_text(body: str) -> tuple[str, str, str]:
    """Request / facts / reasons from a free message (best effort; the full text stays in facts)."""
    sentences = [s for s in re.split(r"(?<=[。！？!?])", body) if s.strip()]
    asks = [s for s in sentences if re.search(r"请求|希望|恳请|要求|请.{0,4}(解决|处理|调查|落实)|能否", s)]
    request = "".join(asks[-2:]).strip() or (sentences[-1].strip() if sentences else body[:80])
    reasons = "".join(s for s in sentences if re.search(r"因为|由于|根据|按照|规定", s))[:500]
    return request[:500], body, reasons


def about_demo_city(text: str) -> bool:
    """Whether a message can be about the demo city A市: it names no other city's code (K市, B2区)."""
    return all(code[0] == "A" for code in code_regions(text))


def matter_groups(messages: list[Message]) -> list[list[Message]]:
    """The labelled same-matter groups of 2+ messages all about A市, in file order."""
    by_source = {m.source: m for m in messages}
    groups: dict[str, list[Message]] = {}
    with MATTERS_CSV.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            message = by_source.get(f"{row['source']}:{row['留言编号']}")
            if row["group"] != "S" and message is not None:
                groups.setdefault(row["group"], []).append(message)
    return [
        members
        for members in groups.values()
        if len(members) >= 2 and all(about_demo_city(m.title + m.body) for m in members)
    ]


class DemoBuilder:
    def __init__(self, world: DemoWorld, *, seed: int = 20251129, now: dt.datetime | None = None) -> None:
        self.world = world
        self.rng = random.Random(seed)
        self.now = now or timezone.now()
        self.categories = {c.name: c for c in Category.objects.filter(level=1)}
        self.districts = {r.name: r for r in Region.objects.filter(level=3)}
        self.streets: dict[int, list[Region]] = {}
        for street in Region.objects.filter(level=4):
            assert street.parent_id is not None
            self.streets.setdefault(street.parent_id, []).append(street)
        self.staff: dict[tuple[int, str], AbstractUser] = {}
        self.skipped: list[str] = []
        self._gazetteer: LearnedGazetteer | None = None

    @property
    def gazetteer(self) -> LearnedGazetteer:
        """Small places -> district, learned from the vendored messages that name both; the
        streets and towns of A市's division list decide first."""
        if self._gazetteer is None:
            self._gazetteer = LearnedGazetteer(admin=admin_gazetteer()).learn(
                m.title + " " + m.body for m in read_messages()
            )
        return self._gazetteer

    # ---- people
    def user_for(self, organ: Organ, role: str) -> AbstractUser:
        key = (organ.pk, role)
        if key in self.staff:
            return self.staff[key]
        membership = (
            StaffMembership.objects.filter(organ=organ, role=role)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if membership is None:
            user_model = get_user_model()
            username = f"{role}-{organ.code}"[:150]
            user, _ = user_model.objects.get_or_create(
                username=username, defaults={"first_name": f"{organ.short_name}{Role(role).label}"}
            )
            user.set_unusable_password()
            user.save()
            membership, _ = StaffMembership.objects.get_or_create(user=user, organ=organ, role=role)
        # Remembered only once its transaction commits: a story the rules refuse rolls back the user
        # made for it, and a later story must not point at a row that no longer exists.
        transaction.on_commit(partial(self.staff.__setitem__, key, membership.user))
        return membership.user

    def reviewer_for(self, organ: Organ, petition: Petition) -> AbstractUser:
        """A head of the reviewing organ who neither decided nor signed an earlier opinion (Art. 28(3))."""
        from minsheng.workflow.models import Opinion

        earlier = set(Opinion.objects.filter(petition=petition).values_list("issued_by_id", "signed_by_id"))
        excluded = {uid for pair in earlier for uid in pair if uid}
        membership = (
            StaffMembership.objects.filter(organ=organ, role=Role.ORGAN_HEAD)
            .exclude(user_id__in=excluded)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if membership is not None:
            return membership.user
        user, _ = get_user_model().objects.get_or_create(
            username=f"reviewer-{organ.code}"[:150],
            defaults={"first_name": f"{organ.short_name}{Role.ORGAN_HEAD.label}"},
        )
        user.set_unusable_password()
        user.save()
        StaffMembership.objects.get_or_create(user=user, organ=organ, role=Role.ORGAN_HEAD)
        return user

    def review(self, petition: Petition, action: str, organ: Organ, at: dt.datetime, **data: Any) -> Petition:
        reviewer = self.reviewer_for(organ, petition)
        return petition_transition(petition.pk, action, actor=reviewer, data=data, now=at)

    def petitioner(self) -> PetitionerInput:
        if self.rng.random() < 0.06:
            return PetitionerInput()  # anonymous letter
        name = self.rng.choice(SURNAMES) + "".join(
            self.rng.choice(GIVEN) for _ in range(self.rng.choice([1, 2]))
        )
        district = self.rng.choice(list(self.districts.values()))
        street = self.rng.choice(self.streets.get(district.pk, [district]))
        phone = f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"
        return PetitionerInput(
            name=name, phone=phone, address=f"A市{district.name}{street.name}{self.rng.randrange(1, 200)}号"
        )

    # ---- places and competence
    def region_of(self, text: str) -> Region | None:
        """The district a person reading the text would name: its code (A7县, also spelt A7县市),
        else the district of a street or town it names (A市's division list) or of a small place
        (learned from the messages naming both); the city when only A市 is named."""
        by_number = {name[1:-1]: region for name, region in self.districts.items() if name[0] == "A"}
        for code in district_codes(text) or [self.gazetteer.resolve(text)]:
            if code and code[0] == "A" and code[1:-1] in by_number:
                return by_number[code[1:-1]]
        return self.world.city if "A市" in text else None

    def competent(self, category: Category | None, region: Region | None) -> Organ:
        if category is not None:
            resp = (
                Responsibility.objects.filter(category=category)
                .select_related("organ")
                .order_by("priority")
                .first()
            )
            if resp is not None:
                return resp.organ
        if region is not None and region.level == 3:
            gov = Organ.objects.filter(region=region, kind=Organ.Kind.GOVERNMENT).first()
            if gov is not None:
                return gov
        return self.world.organs["a-urban"]

    # ---- driving
    def act(
        self, petition: Petition, action: str, organ: Organ, role: str, at: dt.datetime, **data: Any
    ) -> Petition:
        return petition_transition(petition.pk, action, actor=self.user_for(organ, role), data=data, now=at)

    def rate_bureau(self, petition: Petition, at: dt.datetime) -> None:
        """Half the petitioners who rated the answer also rate the petition bureau (a separate
        rating, A-040). Its own random stream, so the rest of the demo stays as it was."""
        from minsheng.workflow.services.oversight import rated_bureau

        own = random.Random(petition.pk * 7919 + 11)
        if own.random() >= 0.5 or rated_bureau(petition) is None:
            return
        petition_transition(
            petition.pk,
            "rate",
            actor=None,
            as_petitioner=True,
            now=min(at, timezone.now()),
            data={
                "value": own.choice(
                    ["satisfied", "satisfied", "satisfied", "basically_satisfied", "unsatisfied"]
                ),
                "comment": "",
                "target": "bureau",
            },
        )

    def build(self, count: int) -> int:
        loaded = set(
            Petition.objects.filter(suggestions__has_key="demo_source").values_list(
                "suggestions__demo_source", flat=True
            )
        )
        everything = [m for m in read_messages() if len(m.body) > 20]
        messages = [m for m in everything if m.source not in loaded]
        self.rng.shuffle(messages)
        # Messages about the demo city first (pools are popped from the end); others only if needed.
        messages.sort(key=lambda m: about_demo_city(m.title + m.body))
        # Same-matter groups (hand-labelled, all about A市): every member is loaded, each a short
        # story, so the hot-issue panel shows real multi-petition matters.
        matters: list[tuple[Message, str]] = []
        budget = int(count * MATTER_SHARE) - sum(
            1 for group in matter_groups(everything) for m in group if m.source in loaded
        )
        for group in matter_groups(messages):
            fresh = [m for m in group if m.source not in loaded]
            if len(fresh) < 2 or len(fresh) > budget:
                continue
            budget -= len(fresh)
            matters += [(m, RECENT_TARGETS[self.rng.randrange(len(RECENT_TARGETS))]) for m in fresh]
        taken = {m.source for m, _ in matters}
        messages = [m for m in messages if m.source not in taken]
        with_reply = [m for m in messages if m.reply]
        # Other stories: labelled messages about A市 first, then unlabelled ones about A市 (the
        # category is then left to the caseworker), messages about other cities last.
        local = {m.source for m in messages if about_demo_city(m.title + m.body)}
        labeled = (
            [m for m in messages if m.category and m.source not in local]
            + [m for m in messages if not m.category and m.source in local]
            + [m for m in messages if m.category and m.source in local]
        )
        plan = [state for state, weight in PLAN for _ in range(weight)]
        self.rng.shuffle(plan)
        plan = plan * (count // len(plan) + 1)
        created = 0
        todo: list[tuple[Message | None, str]] = [
            *matters,
            *((None, state) for state in plan[: max(0, count - len(loaded) - len(matters))]),
        ]
        progress = tqdm(
            total=len(todo),
            desc="demo petitions",
            unit="petition",
            file=sys.stderr,
            disable=not sys.stderr.isatty(),
        )
        with notifications_suppressed():
            for index, (chosen, target) in enumerate(todo):
                pool = (
                    with_reply
                    if target in ("final", "delivered", "closed_no_review") and with_reply
                    else labeled
                )
                while chosen is None and pool and pool[-1].source in taken:
                    pool.pop()  # used by the other pool already
                if chosen is None and not pool:
                    break
                message = chosen if chosen is not None else pool.pop()
                taken.add(message.source)
                try:
                    with transaction.atomic():
                        self.one(message, target, index)
                except ApplicationError as exc:  # a story the rules refuse: skip it, whole
                    self.skipped.append(f"{message.source} → {target}: {exc}")
                    continue
                created += 1
                progress.update(1)
        progress.close()
        deadlines_sweep(self.now)
        return created

    def drafts_awaiting_signoff(self, limit: int = 3) -> int:
        """Reply quality advice on first start: three petitions in handling get a draft opinion
        awaiting signature -- a complete one, one without a checkable legal basis, and one made of
        stock phrases -- so that the 待签发 list and the case pages show the advice
        (minsheng.intelligence.replies). Idempotent: petitions with a draft are left as they are."""
        from minsheng.workflow.models import OpinionDraft

        if OpinionDraft.objects.filter(
            petition__suggestions__has_key="demo_source", status="pending"
        ).exists():
            return 0
        candidates = list(
            Petition.objects.filter(
                state=State.IN_HANDLING, suggestions__has_key="demo_source", current_organ__isnull=False
            )
            .exclude(opinion_drafts__isnull=False)
            .order_by("pk")[:limit]
        )
        drafts = [
            lambda p: {
                "facts_and_reasons": f"经调查核实，信访人反映的“{p.title}”问题基本属实。{(p.facts or p.request)[:120]}",
                "opinion": f"鉴于上述情况属实，支持信访人的请求：{p.request[:80]}。"
                "责成相关单位于30日内整改，并将结果书面告知信访人。",
                "legal_basis": OPINION_LEGAL_BASIS.get(
                    p.category.name if p.category else "", "《信访工作条例》第三十一条、第三十二条"
                ),
            },
            lambda p: {
                "facts_and_reasons": f"经现场核查，{(p.facts or p.request)[:100]}情况属实。",
                "opinion": f"已责成相关单位处理“{p.title}”反映的问题。",
                "legal_basis": "根据有关规定",
            },
            lambda p: {
                "facts_and_reasons": "您反映的问题已收悉，我单位高度重视。",
                "opinion": "已转有关部门调查处理，如有情况将及时反馈。感谢您对我们工作的监督！",
                "legal_basis": "根据有关规定",
            },
        ]
        made = 0
        for petition, draft in zip(candidates, drafts, strict=False):
            organ = petition.current_organ
            assert organ is not None
            at = min(self.now, timezone.now())
            try:
                with notifications_suppressed(), transaction.atomic():
                    self.act(
                        petition,
                        "draft_opinion",
                        organ,
                        Role.CASEWORKER,
                        at,
                        outcome="support",
                        **draft(petition),
                    )
            except ApplicationError as exc:
                self.skipped.append(f"draft_opinion {petition.pk}: {exc}")
                continue
            made += 1
        return made

    def one(self, message: Message, target: str, index: int) -> Petition:
        rng = self.rng
        text = message.title + message.body
        nature = guess_nature(text)
        if target == "routed_discipline":
            nature = "accusation"
        elif target == "routed_political_legal":
            nature = "litigation_related"
        elif target == "suggestion_replied":
            nature = "suggestion"
        elif nature in ("accusation", "litigation_related") and target not in ("registered", "bureau_triage"):
            nature = "grievance"
        category = self.categories.get(message.category)
        region = self.region_of(text)
        organ = self.competent(category, region)
        bureau = self.world.bureau
        # How far back the story starts: long enough for its steps to have happened.
        span = {
            "registered": rng.randint(0, 12),
            "bureau_triage": rng.randint(3, 14),
            "forwarded": rng.randint(4, 16),
            "organ_received": rng.randint(6, 20),
            "accepted": rng.randint(8, 24),
            "in_handling": rng.choice([rng.randint(20, 50), rng.randint(62, 75), rng.randint(66, 80)]),
            "extended": rng.randint(70, 88),
            "simplified_handling": rng.randint(6, 20),
            "concluded": rng.randint(40, 70),
            "delivered": rng.randint(45, 80),
            "closed_no_review": rng.randint(110, 150),
            "review_requested": rng.randint(90, 120),
            "review_concluded": rng.randint(120, 150),
            "recheck_requested": rng.randint(150, 175),
            "final": rng.randint(190, 240),
            "not_accepted": rng.randint(3, 30),
            "suggestion_replied": rng.randint(20, 60),
            "routed_discipline": rng.randint(5, 30),
            "routed_political_legal": rng.randint(5, 30),
            "objection_pending": rng.randint(3, 5),
            "redirected_statutory": rng.randint(15, 40),
        }[target]
        t = self.now - dt.timedelta(days=span, hours=rng.randint(0, 8))
        channel = rng.choice(CHANNELS)
        received = t - dt.timedelta(days=rng.randint(1, 5)) if channel == "letter" else t
        request, facts, reasons = split_text(message.body)
        representatives = []
        collective = channel == "visit" and rng.random() < 0.3 and target != "simplified_handling"
        if collective:
            representatives = [
                {"name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)}
                for _ in range(rng.randint(1, 5))
            ]
        urgent = bool(re.search(r"跳楼|自杀|轻生|讨薪.{0,10}(聚集|上访)|集体上访|围堵", text))
        accused = organ if nature == "accusation" and target == "routed_discipline" else None
        petition, _password = petition_register(
            RegistrationInput(
                channel=channel,
                receiving_organ=bureau,
                title=message.title[:200],
                request=request,
                facts=facts,
                reasons=reasons,
                nature=nature,
                category=category,
                region=region,
                received_at=received,
                petitioner=self.petitioner(),
                is_collective=collective,
                persons_involved=rng.randint(6, 60) if collective else 1,
                representatives=representatives,
                is_urgent=urgent,
                accused_organ=accused,
                suggestions={"demo_source": message.source},
            ),
            actor=self.user_for(bureau, Role.REGISTRAR),
            now=t,
        )
        last = [t]

        def step(days: int) -> dt.datetime:
            """A step ``days`` after the start, never in the future and never before the previous one."""
            candidate = t + dt.timedelta(days=days, hours=rng.randint(0, 6))
            candidate = min(candidate, self.now - dt.timedelta(minutes=30))
            candidate = max(candidate, last[0] + dt.timedelta(minutes=10))
            last[0] = candidate
            return candidate

        if target == "registered":
            return petition
        if target == "bureau_triage":
            return self.act(petition, "triage", bureau, Role.DISPATCHER, step(1))
        if target == "not_accepted":
            earlier = (
                Petition.objects.exclude(pk=petition.pk)
                .filter(state__in=["in_handling", "extended"])
                .order_by("?")
                .first()
            )
            if earlier is not None and rng.random() < 0.5:
                return self.act(
                    petition,
                    "not_accept",
                    bureau,
                    Role.DISPATCHER,
                    step(2),
                    reason="duplicate_in_progress",
                    related_petition_id=earlier.pk,
                    explanation="同一事项正在办理期限内。",
                )
            return self.act(
                petition,
                "not_accept",
                bureau,
                Role.DISPATCHER,
                step(2),
                reason="out_of_scope",
                guidance_organ_id=self.world.organs["a5-gov"].pk,
                explanation="属于行政复议范围，请依法向有权机关提出。",
            )
        if target == "routed_discipline":
            if petition.state == "routed_discipline":  # received inside the accused subtree
                return petition
            return self.act(
                petition,
                "route_discipline",
                bureau,
                Role.DISPATCHER,
                step(3),
                organ_id=self.world.organs["a-discipline"].pk,
            )
        if target == "routed_political_legal":
            return self.act(
                petition,
                "route_political_legal",
                bureau,
                Role.DISPATCHER,
                step(3),
                organ_id=self.world.organs["a-police"].pk,
            )
        assign = rng.random() < 0.2
        d_fwd = rng.randint(1, 6) if span > 14 else max(1, span // 3)
        if assign:
            petition = self.act(
                petition,
                "assign",
                bureau,
                Role.DISPATCHER,
                step(d_fwd),
                organ_id=organ.pk,
                due_days=rng.choice([30, 45, 60]),
                instructions="请查明情况，按期报送办结报告。",
            )
        else:
            petition = self.act(petition, "forward", bureau, Role.DISPATCHER, step(d_fwd), organ_id=organ.pk)
        if target == "forwarded":
            return petition
        d_recv = d_fwd + 1
        petition = self.act(petition, "receive", organ, Role.CASEWORKER, step(d_recv))
        if target == "organ_received":
            return petition
        if target == "objection_pending":
            return self.act(
                petition,
                "object",
                organ,
                Role.CASEWORKER,
                step(d_recv + 1),
                reasons="该事项属于区级政府职责，建议转A5区人民政府办理。",
                suggested_organ_id=self.world.organs["a5-gov"].pk,
            )
        if target == "simplified_handling" and not assign:
            return self.act(
                petition,
                "simplify",
                organ,
                Role.CASEWORKER,
                step(d_recv + 1),
                likely_supported=True,
                no_statutory_procedure=True,
                single_responsible_body=True,
                no_conflict_of_interest=True,
            )
        d_acc = d_recv + rng.randint(1, 8)
        petition = self.act(petition, "accept", organ, Role.CASEWORKER, step(d_acc))
        if target == "accepted":
            return petition
        if target == "suggestion_replied":
            return self.act(
                petition,
                "reply_suggestion",
                organ,
                Role.CASEWORKER,
                step(d_acc + rng.randint(5, 15)),
                outcome=rng.choice(["adopted", "partly_adopted", "not_adopted"]),
                reply="感谢您的建议，我局已研究并将在下一步工作中统筹考虑。",
            )
        if target == "redirected_statutory":
            return self.act(
                petition,
                "redirect",
                organ,
                Role.CASEWORKER,
                step(d_acc + 2),
                route="admin_procedure",
                target_procedure="行政复议",
                limitation="admin_review",
                known_date=(t - dt.timedelta(days=20)).date().isoformat(),
            )
        petition = self.act(
            petition, "start_handling", organ, Role.CASEWORKER, step(d_acc), no_conflict_of_interest=True
        )
        if target == "in_handling":
            return petition
        if target == "extended":
            head = self.user_for(organ, Role.ORGAN_HEAD)
            at = step(d_acc + 55)
            petition_transition(
                petition.pk,
                "extend",
                actor=head,
                now=at,
                data={
                    "days": rng.choice([15, 20, 30]),
                    "reason": "案情复杂，需要进一步调查取证。",
                    "notified_at": at.isoformat(),
                },
            )
            return Petition.objects.get(pk=petition.pk)
        d_con = d_acc + rng.randint(15, 45)
        outcome = rng.choice(["support", "support", "explain", "not_support", "partial_support"])
        legal = OPINION_LEGAL_BASIS.get(message.category, "《信访工作条例》第三十一条、第三十二条")
        petition = self.act(
            petition,
            "conclude",
            organ,
            Role.CASEWORKER,
            step(d_con),
            outcome=outcome,
            facts_and_reasons=facts[:400],
            opinion=(message.reply or "经调查核实，已责成相关单位依法处理，并将处理结果告知信访人。")[:1500],
            legal_basis=legal,
        )
        # 签发: the organ head signs the caseworker's draft on the same day.
        petition = self.act(petition, "sign_opinion", organ, Role.ORGAN_HEAD, step(d_con))
        if target == "concluded":
            return petition
        d_del = d_con + rng.randint(1, 4)
        petition = self.act(
            petition,
            "deliver",
            organ,
            Role.CASEWORKER,
            step(d_del),
            # Online delivery only where the petitioner did not ask for paper (简易办法2016).
            method=rng.choice(["in_person", "post", "post" if petition.paper_requested else "online"]),
        )
        if target in ("delivered", "closed_no_review"):
            if rng.random() < 0.6:
                petition_transition(
                    petition.pk,
                    "rate",
                    actor=None,
                    as_petitioner=True,
                    now=step(d_del + 1),
                    data={
                        "value": rng.choice(["satisfied", "satisfied", "basically_satisfied", "unsatisfied"]),
                        "comment": "",
                    },
                )
                self.rate_bureau(petition, step(d_del + 2))
            return Petition.objects.get(pk=petition.pk)  # the sweep closes expired windows
        upper = organ.upper_organ() or self.world.organs["a-gov"]
        d_rev = d_del + rng.randint(5, 25)
        petition = self.act(
            petition,
            "request_review",
            upper,
            Role.REGISTRAR,
            step(d_rev),
            received_on=step(d_rev).date().isoformat(),
            reasons="对处理意见不服：所反映的问题至今没有解决，处理意见也没有回应我提出的请求，申请复查。",
        )
        if target == "review_requested":
            return petition
        d_rc = d_rev + rng.randint(10, 28)
        petition = self.review(
            petition,
            "conclude_review",
            upper,
            step(d_rc),
            outcome="upheld",
            facts_and_reasons="经复查，原处理意见认定事实清楚。",
            opinion="维持原处理意见。",
            legal_basis="《信访工作条例》第三十五条",
            method="post",
        )
        if target == "review_concluded":
            return petition
        top = upper.upper_organ() or self.world.organs["xd-gov"]
        d_rk = d_rc + rng.randint(5, 20)
        petition = self.act(
            petition,
            "request_recheck",
            top,
            Role.REGISTRAR,
            step(d_rk),
            received_on=step(d_rk).date().isoformat(),
            reasons="对复查意见不服：复查没有调查核实我补充的事实和材料，申请复核。",
        )
        if target == "recheck_requested":
            return petition
        return self.review(
            petition,
            "conclude_recheck",
            top,
            step(d_rk + rng.randint(10, 25)),
            outcome="upheld",
            facts_and_reasons="经复核，复查意见正确。",
            opinion="维持复查意见。",
            legal_basis="《信访工作条例》第三十六条",
            method="in_person",
        )
