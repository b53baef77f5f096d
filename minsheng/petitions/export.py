"""The petition list as a spreadsheet (workbench "导出" and GET /api/v1/petitions/export): one set
of columns and one masking rule for both. Names are masked (「李*」) for users who may see the
petitioner masked and left empty for the others; cells that a spreadsheet would run as a formula
are neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.crypto import mask_name
from minsheng.core.errors import Forbidden
from minsheng.core.spreadsheet import neutralise_row
from minsheng.petitions.models import Petition

if TYPE_CHECKING:
    from minsheng.petitions.selectors import PetitionFilters

EXPORT_LIMIT = 5000
WIDTHS = (14, 40, 14, 10, 12, 17, 24, 28, 10, 12, 13, 6, 6, 6, 6)


def export_header() -> list[str]:
    return [
        _("查询码"),
        _("标题"),
        _("状态"),
        _("渠道"),
        _("性质"),
        _("收到时间"),
        _("当前办理机关"),
        _("分类"),
        _("地区"),
        _("信访人（脱敏）"),
        _("最近法定期限"),
        _("超期"),
        _("临期"),
        _("紧急"),
        _("督办"),
    ]


def export_rows(
    user: AbstractBaseUser,
    petitions: Iterable[Petition],
    *,
    petitioner_allowed: Callable[[Petition], bool] | None = None,
) -> list[list[Any]]:
    """One row per petition of a ``petition_list`` queryset (annotated with the list flags).
    ``petitioner_allowed(p)`` false leaves the name empty whatever the user's post (integration
    keys: without personal data in scope, and always for an accusation)."""
    from minsheng.petitions.selectors import can_see_masked_identity, listed_titles

    yes, no = _("是"), ""
    rows = []
    petitions = list(petitions)
    # Titles masked as each case page masks them for this reader (they may hold names and phones).
    titles = listed_titles(user, petitions, allowed=petitioner_allowed)
    for p in petitions:
        name = ""
        allowed = petitioner_allowed is None or petitioner_allowed(p)
        if allowed and p.petitioner is not None and can_see_masked_identity(user, p):
            name = mask_name(p.petitioner.name)
        rows.append(
            neutralise_row(
                [
                    p.tracking_code,
                    titles[p.pk],
                    p.get_state_display(),
                    p.get_channel_display(),
                    p.get_nature_display(),
                    timezone.localtime(p.received_at).strftime("%Y-%m-%d %H:%M"),
                    p.current_organ.name,
                    p.category.path if p.category else "",
                    p.region.name if p.region else "",
                    name,
                    p.next_due.isoformat() if getattr(p, "next_due", None) else "",  # type: ignore[attr-defined]
                    yes if p.has_overdue else no,  # type: ignore[attr-defined]
                    yes if p.has_due_soon else no,  # type: ignore[attr-defined]
                    yes if p.is_urgent else no,
                    yes if p.is_supervised else no,  # type: ignore[attr-defined]
                ]
            )
        )
    return rows


def export_petitions(
    user: AbstractBaseUser,
    filters: PetitionFilters,
    *,
    petitioner_allowed: Callable[[Petition], bool] | None = None,
) -> list[list[Any]]:
    """The rows of the filtered list (at most ``EXPORT_LIMIT``, in the list order) for ``user``;
    Forbidden for analysts, who never see case files."""
    from minsheng.petitions.selectors import is_analyst_only, petition_list

    if is_analyst_only(user):
        raise Forbidden(_("研判岗位只能查看脱敏的研判分析数据。"))
    qs = petition_list(user, filters).select_related("petitioner", "caseworker")
    return export_rows(user, qs[:EXPORT_LIMIT], petitioner_allowed=petitioner_allowed)


def export_xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("信访事项")
    sheet.append(export_header())
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F3A5F")
    for row in rows:
        sheet.append(row)
    for column, width in zip("ABCDEFGHIJKLMNO", WIDTHS, strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_csv(rows: list[list[Any]]) -> bytes:
    """UTF-8 with a byte order mark (Excel opens it as UTF-8), CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(export_header())
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
