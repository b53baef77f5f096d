"""I-REPEAT and I-FIRST-RESOLVED on "the same matter" (accountability_rules.yaml: I-REPEAT
``dup_rule: R-050 match: petitioner + facts + request; store first_item_id``; I-FIRST-RESOLVED
"no repeat by same petitioner on same matter within W days"): a person who comes back about
something else is not a repeat; one who comes back about the same thing, in other words, is —
also later on the very day the answer was signed. An item concluded late still counts."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from minsheng.assessment import selectors as S
from minsheng.petitions.services import PetitionerInput
from minsheng.workflow.models import Deadline
from minsheng.workflow.sweeps import deadlines_sweep
from minsheng.workflow.tests.scenario_api import OPINION

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
SCHOOL = {
    "title": "孩子入学学位申请被拒",
    "request": "请求安排就近入学",
    "facts": "户籍在学区内但被告知无学位。",
    "reasons": "义务教育法规定就近入学。",
}
# The noise matter of the register fixture, told again in other words.
NOISE_AGAIN = {
    "title": "幸福小区旁工地夜间施工噪音仍然扰民",
    "request": "再次请求责令工地停止夜间施工",
    "facts": "A3区幸福小区旁的工地上次答复后仍在夜间十一点后施工，噪音很大。",
    "reasons": "影响居民休息，违反噪声污染防治法。",
}


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=TZ)


def test_a_repeat_is_the_same_person_on_the_same_matter(register: Any, world: Any) -> None:
    with time_machine.travel(at("2025-07-01"), tick=False):
        first = register(received_at=at("2025-07-01", 9))
    with time_machine.travel(at("2025-07-10"), tick=False):
        school = register(received_at=at("2025-07-10", 9), existing_petitioner=first.petitioner, **SCHOOL)
    with time_machine.travel(at("2025-07-20"), tick=False):
        again = register(received_at=at("2025-07-20", 9), existing_petitioner=first.petitioner, **NOISE_AGAIN)
    with time_machine.travel(at("2025-07-25"), tick=False):
        third = register(received_at=at("2025-07-25", 9), existing_petitioner=first.petitioner, **NOISE_AGAIN)
    assert (first.is_first_time, first.first_item_id) == (True, None)
    assert (school.is_first_time, school.first_item_id) == (True, None)  # another matter
    assert (again.is_first_time, again.first_item_id) == (False, first.pk)
    assert (third.is_first_time, third.first_item_id) == (False, first.pk)  # the chain's first item
    figure = S.compute_indicators(
        world.bureau.pk, dt.date(2025, 7, 1), dt.date(2025, 7, 31), today=dt.date(2025, 8, 1)
    ).figure("I-REPEAT")
    assert (figure.numerator, figure.denominator) == (2, 4)


def _concluded(register: Any, act: Any, housing: Any, *, late: bool = False, **fields: Any) -> Any:
    """The noise matter, received 03-01, accepted by the housing bureau and answered on 03-20 at
    10:00 — or, ``late``, after the sweep marked its 60 days breached."""
    with time_machine.travel(at("2025-03-01"), tick=False) as clock:
        petition = register(received_at=at("2025-03-01", 9), **fields)
        act(petition, "forward", "dispatcher", organ_id=housing.pk)
        act(petition, "receive", "caseworker")
        act(petition, "accept", "caseworker")
        act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
        if late:
            due = Deadline.objects.get(petition=petition, rule="D-HANDLE-60").statutory_due
            clock.move_to(at((due + dt.timedelta(days=2)).isoformat()))
            deadlines_sweep()
            assert Deadline.objects.get(petition=petition, rule="D-HANDLE-60").status == "breached"
            clock.move_to(at((due + dt.timedelta(days=5)).isoformat()))
        else:
            clock.move_to(at("2025-03-20", 10))
        act(petition, "conclude", "caseworker", **OPINION)
        act(petition, "sign_opinion", "organ_head")
    petition.refresh_from_db()
    return petition


def _first_resolved(housing: Any, concluded: Any) -> Any:
    end = concluded.concluded_at.astimezone(TZ).date() + dt.timedelta(days=90)
    return S.compute_indicators(housing.pk, end, end, today=end + dt.timedelta(days=2)).figure(
        "I-FIRST-RESOLVED"
    )


def test_another_matter_is_no_repeat_of_the_answered_one(register: Any, act: Any, organs: Any) -> None:
    answered = _concluded(register, act, organs["a-housing"])
    with time_machine.travel(at("2025-04-10", 9), tick=False):
        register(received_at=at("2025-04-10", 9), existing_petitioner=answered.petitioner, **SCHOOL)
    assert _first_resolved(organs["a-housing"], answered).classes == {"resolved": 1, "repeated": 0}


@pytest.mark.parametrize(("hour", "repeated"), [(9, 0), (15, 1)])
def test_a_return_on_the_day_of_the_answer_counts_only_after_it(
    register: Any, act: Any, organs: Any, hour: int, repeated: int
) -> None:
    """Answered 03-20 at 10:00: the same matter again at 15:00 is a repeat; at 09:00 it came
    before the answer (received on the day, but not after it)."""
    answered = _concluded(register, act, organs["a-housing"])
    with time_machine.travel(at("2025-03-20", 16), tick=False):
        again = register(
            received_at=at("2025-03-20", hour), existing_petitioner=answered.petitioner, **NOISE_AGAIN
        )
    assert again.first_item_id == answered.pk
    classes = _first_resolved(organs["a-housing"], answered).classes
    assert classes == {"resolved": 1 - repeated, "repeated": repeated}


def test_an_item_answered_late_still_counts(register: Any, act: Any, organs: Any) -> None:
    answered = _concluded(register, act, organs["a-housing"], late=True)
    figure = _first_resolved(organs["a-housing"], answered)
    assert (figure.denominator, figure.classes) == (1, {"resolved": 1, "repeated": 0})


def test_one_time_resolution_also_needs_no_review_request(register: Any, act: Any, organs: Any) -> None:
    """一次性化解率 (I-ONE-TIME-RESOLVED): as 初信初访化解率, and the answer was not taken to 复查."""
    housing = organs["a-housing"]
    kept = _concluded(register, act, housing)
    neighbour = PetitionerInput(name="王五", phone="13900139055", address="A市A3区洋湖街道幸福小区5栋")
    appealed = _concluded(register, act, housing, petitioner=neighbour)
    with time_machine.travel(at("2025-03-21"), tick=False):
        for petition in (kept, appealed):
            act(petition, "deliver", "caseworker", method="in_person", delivered_on="2025-03-21")
        act(appealed, "request_review", "registrar", received_on="2025-03-21")
    first = _first_resolved(housing, kept)
    end = kept.concluded_at.astimezone(TZ).date() + dt.timedelta(days=90)
    once = S.compute_indicators(housing.pk, end, end, today=end + dt.timedelta(days=2)).figure(
        "I-ONE-TIME-RESOLVED"
    )
    assert first.classes == {"resolved": 2, "repeated": 0}
    assert once.classes == {"resolved": 1, "repeated": 0, "reviewed": 1}
    assert (once.numerator, once.denominator) == (1, 2)


def test_the_online_share_counts_what_came_in_online(register: Any, world: Any) -> None:
    with time_machine.travel(at("2025-07-02"), tick=False):
        for channel in ("online", "online", "letter", "visit", "phone"):
            register(received_at=at("2025-07-01", 9), channel=channel)
    figure = S.compute_indicators(
        world.bureau.pk, dt.date(2025, 7, 1), dt.date(2025, 7, 31), today=dt.date(2025, 8, 1)
    ).figure("I-ONLINE-SHARE")
    assert (figure.numerator, figure.denominator, figure.classes) == (2, 5, {"online": 2, "other": 3})


def test_earlier_same_matter_keeps_accusations_apart_and_looks_back_only(register: Any, world: Any) -> None:
    """R-050 at the service: the same person's accusation about the same words is no earlier matter
    of a grievance (R-150: 初次 would tell he once accused somebody), but is of a new accusation;
    only petitions received up to ``before`` count; a petition without a petitioner has none."""
    from types import SimpleNamespace

    from minsheng.intelligence.similarity import petition_match_text
    from minsheng.petitions.services import earlier_same_matter

    accusation = register(
        nature="accusation", accused_organ=world.organs["a-edu"], received_at=at("2025-03-04")
    )
    person = accusation.petitioner
    text = petition_match_text(SimpleNamespace(**NOISE_AGAIN))
    assert earlier_same_matter(person, "grievance", text) is None
    assert earlier_same_matter(person, "accusation", text) == accusation
    assert earlier_same_matter(person, "accusation", text, before=at("2025-03-04", 11)) == accusation
    assert earlier_same_matter(person, "accusation", text, before=at("2025-03-03")) is None
    assert earlier_same_matter(None, "accusation", text) is None


def test_the_best_match_among_the_persons_earlier_petitions_is_the_matter(register: Any, world: Any) -> None:
    """Of two earlier matters of the same person (here the same phone under another name: another
    record, the same person by the blind index), the one most like the new text is the matter —
    not the newest, not the oldest."""
    from types import SimpleNamespace

    from minsheng.intelligence.similarity import petition_match_text
    from minsheng.petitions.models import Petition
    from minsheng.petitions.services import PetitionerInput, earlier_same_matter

    same_phone = PetitionerInput(name="李四（化名）", phone="13800138000")
    close = register(received_at=at("2025-03-03"))  # the noise matter, as the register fixture words it
    weaker = register(
        petitioner=same_phone,
        title="幸福小区旁工地夜间施工噪音",  # 0.46 like the new text; the fixture's words 0.65
        request="请求责令工地停止施工",
        facts="A3区幸福小区旁的工地夜间施工，噪音很大。",
        reasons="影响居民休息。",
        received_at=at("2025-03-05"),
    )
    Petition.objects.filter(pk=weaker.pk).update(first_item=None)  # two matters, not a chain
    assert weaker.petitioner_id != close.petitioner_id
    text = petition_match_text(SimpleNamespace(**NOISE_AGAIN))
    assert earlier_same_matter(weaker.petitioner, "grievance", text) == close
    assert earlier_same_matter(close.petitioner, "grievance", text) == close


def test_the_best_match_wins_whatever_the_order_and_ties_go_to_the_latest(
    register: Any, world: Any, monkeypatch: Any
) -> None:
    """Three earlier matters of the person, newest first: a weaker one (03-05), the closest (03-03),
    another weaker one (03-01) — the closest is the matter, not the first or the last above the
    threshold. Two matters worded alike tie: the latest is the matter. A match exactly at the
    threshold (R-050's ``REPEAT_MIN_SCORE``, set here to that pair's score) is one."""
    from types import SimpleNamespace

    from minsheng.core.text import compact
    from minsheng.intelligence.nlp.minhash import jaccard, shingles
    from minsheng.intelligence.similarity import SHINGLE_K, petition_match_text
    from minsheng.petitions import services
    from minsheng.petitions.models import Petition
    from minsheng.petitions.services import earlier_same_matter

    weaker = {
        "title": "幸福小区旁工地夜间施工噪音",
        "request": "请求责令工地停止施工",
        "facts": "A3区幸福小区旁的工地夜间施工，噪音很大。",
        "reasons": "影响居民休息。",
    }
    old = register(received_at=at("2025-03-01"), **weaker)
    close = register(received_at=at("2025-03-03"))
    new = register(received_at=at("2025-03-05"), **weaker)
    Petition.objects.filter(pk__in=[old.pk, close.pk, new.pk]).update(first_item=None)  # three matters
    person = close.petitioner
    text = petition_match_text(SimpleNamespace(**NOISE_AGAIN))
    assert earlier_same_matter(person, "grievance", text) == close
    # a tie between the two weaker ones (the closest set aside): the latest
    Petition.objects.filter(pk=close.pk).update(received_at=at("2025-03-10"))
    assert earlier_same_matter(person, "grievance", text, before=at("2025-03-06")) == new
    # exactly at the threshold
    score = float(
        jaccard(shingles(compact(text), SHINGLE_K), shingles(compact(petition_match_text(old)), SHINGLE_K))
    )
    monkeypatch.setattr(services, "REPEAT_MIN_SCORE", score)
    assert earlier_same_matter(person, "grievance", text, before=at("2025-03-02")) == old
