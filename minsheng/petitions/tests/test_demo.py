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
    call_command("loaddemo", petitions=60, stdout=StringIO())
    assert Petition.objects.count() == count
