from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from minsheng.petitions.models import Petition
from minsheng.workflow.models import PetitionEvent


@pytest.mark.django_db
def test_loaddemo_is_idempotent_and_spread_over_states_and_channels():
    out = StringIO()
    call_command("loaddemo", petitions=60, stdout=out)
    assert "Demo logins" in out.getvalue()
    count = Petition.objects.count()
    assert count >= 55  # a refused story is skipped, never half-written
    assert Petition.objects.values("state").distinct().count() >= 8
    assert Petition.objects.values("channel").distinct().count() >= 4
    # every petition has a registration event and its timeline starts with it
    assert PetitionEvent.objects.filter(action="register").count() == count
    # reply quality advice on first start: three drafts await signature, with 0 / 1 / 4 findings
    from minsheng.intelligence.replies import reply_advice
    from minsheng.workflow.models import OpinionDraft

    assert "3 draft opinions await signature" in out.getvalue()
    drafts = list(OpinionDraft.objects.filter(status="pending").order_by("petition_id"))
    assert [
        [a.code for a in reply_advice(d.petition, d).items if a.check != "timeliness"] for d in drafts
    ] == [
        [],
        ["missing_basis"],
        ["off_topic", "stock_only", "missing_facts", "missing_basis"],
    ]
    call_command("loaddemo", petitions=60, stdout=StringIO())
    assert Petition.objects.count() == count
    assert OpinionDraft.objects.filter(status="pending").count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_staff_member_made_for_a_refused_story_is_not_remembered() -> None:
    """A story the rules refuse rolls back whole, including the staff member made for it; the builder
    must not hand that user to the next story (SQLite reported FOREIGN KEY constraint failed at the
    next commit of `loaddemo`)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from minsheng.orgs.demo import build_demo_world
    from minsheng.orgs.models import Organ, Role, StaffMembership
    from minsheng.petitions.demo import DemoBuilder

    world = build_demo_world(password="demo-password-1")
    builder = DemoBuilder(world)
    organ = Organ.objects.exclude(pk__in=StaffMembership.objects.values("organ_id")).first()
    assert organ is not None
    with pytest.raises(RuntimeError), transaction.atomic():
        made = builder.user_for(organ, Role.CASEWORKER)
        assert get_user_model().objects.filter(pk=made.pk).exists()
        raise RuntimeError("the story is refused")
    assert not get_user_model().objects.filter(pk=made.pk).exists()
    again = builder.user_for(organ, Role.CASEWORKER)
    assert get_user_model().objects.filter(pk=again.pk).exists()
    assert builder.user_for(organ, Role.CASEWORKER).pk == again.pk


@pytest.mark.django_db
def test_a_staff_user_created_in_a_refused_story_is_not_reused(monkeypatch):
    """A story the rules refuse rolls back whole (its savepoint), with any staff user it created;
    the builder must not hand that user to a later story (on PostgreSQL: a foreign-key violation at
    commit; `minsheng loaddemo` failed so on dates where such a story comes first)."""
    from django.contrib.auth import get_user_model

    from minsheng.core.errors import InvalidInput
    from minsheng.orgs.demo import build_demo_world
    from minsheng.orgs.models import Organ
    from minsheng.petitions import demo

    world = build_demo_world()
    builder = demo.DemoBuilder(world)
    organ = Organ.objects.exclude(memberships__role="caseworker").order_by("pk").first()
    assert organ is not None
    real_one = demo.DemoBuilder.one
    calls = {"n": 0}

    def one(self, message, target, index):
        calls["n"] += 1
        if calls["n"] == 1:
            self.user_for(organ, "caseworker")  # created inside the story's transaction …
            raise InvalidInput("refused")  # … which the rules then refuse
        user = self.user_for(organ, "caseworker")
        assert get_user_model().objects.filter(pk=user.pk).exists()
        return real_one(self, message, target, index)

    monkeypatch.setattr(demo.DemoBuilder, "one", one)
    builder.build(2)
    assert calls["n"] >= 2
