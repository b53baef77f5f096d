"""Art. 39(3) (accountability_rules.yaml S-LXHY-YUETAN / TONGBAO / GUAPAI: by the joint conference):
约谈, 通报 and 挂牌督办 are taken against an organ's leadership from outside it — an organ's own
supervisor or leader may 督办 a case his organ holds, but not interview, circulate or list his own
organ. Refused with its rule (403 own_organ), nothing recorded."""

from __future__ import annotations

from typing import Any

import pytest

from minsheng.core.errors import Forbidden
from minsheng.workflow.models import PetitionEvent, SupervisionOrder

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["listed", "interview", "circular"])
def test_an_organ_takes_no_leader_step_against_itself(
    register: Any, act: Any, organs: Any, kind: str
) -> None:
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-gov"].pk)  # held by the government
    events = PetitionEvent.objects.filter(petition=petition).count()
    with pytest.raises(Forbidden) as refused:
        act(petition, "supervise", "supervisor", kind=kind, suggestion="逾期未办结")
    assert (refused.value.code, refused.value.field) == ("own_organ", "kind")
    assert PetitionEvent.objects.filter(petition=petition).count() == events
    assert not SupervisionOrder.objects.filter(petition=petition).exists()
    act(petition, "supervise", "supervisor", kind="ordinary", suggestion="请按期办结")  # a 督办 is his
    assert SupervisionOrder.objects.filter(petition=petition).count() == 1
