"""What notices and the portal tell a petitioner about time: the date by which the reply is due
(Art. 34), the plain-words rule for provisional dates, and who hears a 复查/复核 by when.

One place, so that the acceptance notice (minsheng.documents) and the portal's pages state the
same date in the same words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from minsheng.orgs.models import Organ
from minsheng.petitions.models import Petition
from minsheng.workflow import deadlines as dl
from minsheng.workflow.models import Deadline

HANDLE_RULE = "D-HANDLE-60"
HANDLE_ARTICLE = "《信访工作条例》第三十四条"
APPEAL_DAYS = 30


@dataclass(frozen=True)
class StatedDue:
    """A due date as a notice states it."""

    due: dt.date
    provisional: bool

    @property
    def year(self) -> int:
        return self.due.year


def handling_due_on_acceptance(petition: Petition) -> StatedDue | None:
    """The date by which the reply is due under Art. 34 (60 days from acceptance), as stated at
    acceptance — an approved extension is told by its own notice and does not change this one.
    None when no such clock runs (suggestions, other Art. 31 routes)."""
    deadline = (
        Deadline.objects.filter(petition=petition, rule=HANDLE_RULE)
        .exclude(status=Deadline.Status.CANCELLED)
        .order_by("created_at", "pk")
        .last()
    )
    if deadline is None:
        return None
    if not deadline.extra_days:
        return StatedDue(deadline.statutory_due, deadline.is_provisional)
    result = dl.compute_rule_due(HANDLE_RULE, deadline.start, length=deadline.length)
    return StatedDue(result.due.statutory_due, result.is_provisional)


def provisional_rule_words(year: int) -> str:
    """The rule for a provisional date, in plain words."""
    return _(
        "这个日期是暂定的：国家还没有公布%(year)d年的节假日安排，目前按每天都是工作日推算。"
        "期限的最后一天如果是法定节假日，期限顺延到节假日后的第一个工作日，所以实际期限只会推后、"
        "不会提前。节假日安排公布后，网上查询页面会显示确定的日期。"
    ) % {"year": year}


def reviewing_organ(petition: Petition) -> Organ | None:
    """The organ that will hear a 复查/复核 request now (Arts. 35–36): the upper organ of the organ
    that answered — for an accusation, the first one outside the accused side (R-150)."""
    from minsheng.workflow.services.context import _review_organ

    if petition.current_organ_id is None:
        return None
    return _review_organ(petition)
