"""`minsheng bench seed`: the bulk history generator (minsheng/petitions/seed.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from minsheng.core.crypto import blind_index, decrypt
from minsheng.orgs.demo import build_demo_world
from minsheng.orgs.models import Role, StaffMembership
from minsheng.petitions.models import Petition, Petitioner
from minsheng.petitions.selectors import petition_list
from minsheng.workflow.models import Deadline, PetitionEvent
from minsheng.workflow.sweeps import deadlines_sweep

N = 1500


@pytest.mark.django_db(transaction=False)
def test_seeded_history(capsys: pytest.CaptureFixture[str]) -> None:
    out = StringIO()
    call_command("bench", "seed", "--n", str(N), "--batch", "400", "--templates", "1", stdout=out)
    result = json.loads(out.getvalue())
    progress = capsys.readouterr().err
    assert "seed: " in progress and f"{N}/{N} petitions" in progress  # not a tty, still printed
    assert result["rows"]["petitions_petition"] == N == Petition.objects.count()
    assert result["rows_total"] == sum(result["rows"].values())
    assert result["rows_per_second"] > 0 and result["peak_rss_mb"] > 0
    seeded = Petition.objects.filter(suggestions__seed=14)
    assert seeded.count() >= N - 30  # all but the templates told through the services

    # Distributions: every channel, states over the whole lifecycle, repeat petitioners, a burst.
    channels = Counter(Petition.objects.values_list("channel", flat=True))
    assert {"online", "letter", "visit", "phone", "fax"} <= set(channels)
    states = Counter(Petition.objects.values_list("state", flat=True))
    assert len(states) >= 12
    assert {"registered", "in_handling", "final", "not_accepted"} <= set(states)
    assert max(states.values()) < 0.5 * N
    per_person = Counter(seeded.exclude(petitioner=None).values_list("petitioner__phone_index", flat=True))
    assert sum(1 for c in per_person.values() if c >= 2) >= 10
    assert 0.1 * N < sum(c for c in per_person.values() if c >= 2) < 0.5 * N
    assert seeded.filter(is_first_time=False).exists() and seeded.filter(is_first_time=True).exists()
    bursts = Counter(
        (p.suggestions["burst"], p.region_id, p.place_text)
        for p in seeded.filter(suggestions__has_key="burst")
    )
    assert bursts and max(bursts.values()) >= 10
    (burst, _region, _place), _ = bursts.most_common(1)[0]
    assert len([key for key in bursts if key[0] == burst]) == 1  # one district, one place
    received = sorted(seeded.filter(suggestions__burst=burst).values_list("received_at", flat=True))
    assert received[-1] - received[0] <= dt.timedelta(days=5)
    months = Counter(d.month for d in seeded.values_list("received_at", flat=True))
    assert len(months) == 12
    weekdays = Counter(timezone.localtime(d).weekday() for d in seeded.values_list("received_at", flat=True))
    assert weekdays[0] > weekdays[6]

    # Consistent events and clocks, nothing in the future, referential integrity.
    connection.check_constraints()
    now = timezone.now()
    assert not Petition.objects.filter(received_at__gt=now).exists()
    assert not PetitionEvent.objects.filter(occurred_at__gt=now + dt.timedelta(minutes=1)).exists()
    for petition in seeded.order_by("?")[:40]:
        events = list(PetitionEvent.objects.filter(petition=petition).order_by("occurred_at", "pk"))
        assert events and events[0].occurred_at >= petition.received_at - dt.timedelta(seconds=1)
        last_state = [e.to_state for e in events if e.to_state][-1]
        if petition.state not in ("closed_no_review",):
            assert last_state == petition.state
    assert Deadline.objects.filter(petition__in=seeded).count() >= N
    assert not Petition.objects.exclude(events__isnull=False).exists()

    # Every petition appears in the workbench list of the petition bureau.
    bureau = build_demo_world().bureau  # idempotent: the world the seed used
    dispatcher = StaffMembership.objects.filter(role=Role.DISPATCHER, organ=bureau).first()
    assert dispatcher is not None
    listed = set(petition_list(dispatcher.user).values_list("pk", flat=True))
    assert set(Petition.objects.values_list("pk", flat=True)) <= listed

    # The deadline sweep runs over the seeded clocks.
    result_sweep = deadlines_sweep(now)
    assert result_sweep is not None
    assert (
        not Deadline.objects.filter(
            status="open", statutory_due__lt=timezone.localdate(now) - dt.timedelta(days=1)
        )
        .exclude(petition__is_historical=True)
        .exists()
    )

    # Personal data is stored encrypted, indexed by the keyed blind index.
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone, address, phone_index FROM petitions_petitioner")
        raw = cursor.fetchall()
    assert len(raw) >= 0.5 * N
    for name, phone, address, phone_index in raw:
        for value in (name, phone, address):
            assert value.startswith("gAAAA")  # a Fernet token
        plain = decrypt(phone)
        assert plain.isdigit() and blind_index(plain) == phone_index
        assert plain not in phone
    person = Petitioner.objects.filter(petitions__in=seeded).first()
    assert person is not None and person.name and not person.name.startswith("gAAAA")


@pytest.mark.django_db
def test_seed_refused_in_production() -> None:
    with override_settings(PRODUCTION=True), pytest.raises(CommandError, match="production"):
        call_command("bench", "seed", "--n", "10")
    assert not Petition.objects.exists()
