"""The display names of the indicators: the one source for the workbench pages (indicators, 问责
建议), the assessment reports (.docx, .xlsx) and the API. The Chinese names are the msgids;
``indicator_name`` gives the name in the active language, documents circulated in Chinese use
``INDICATOR_NAMES`` as it is. The versioned definitions (definitions/*.yaml, ``zh``) carry the
same names; a test keeps them equal."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

INDICATOR_NAMES: dict[str, str] = {
    "I-ACCEPT-BUREAU": gettext_noop("信访部门及时受理率"),
    "I-ACCEPT-ORGAN": gettext_noop("有权处理机关及时受理率"),
    "I-ONTIME-REPLY": gettext_noop("按期办结率"),
    "I-PARTICIPATION-BUREAU": gettext_noop("群众参评率（信访部门）"),
    "I-PARTICIPATION-ORGAN": gettext_noop("群众参评率（责任单位）"),
    "I-SATISFACTION-BUREAU": gettext_noop("参评群众满意率（信访部门）"),
    "I-SATISFACTION-ORGAN": gettext_noop("参评群众满意率（责任单位）"),
    "I-REPEAT": gettext_noop("重复信访率"),
    "I-FIRST-RESOLVED": gettext_noop("初信初访化解率"),
    "I-ONE-TIME-RESOLVED": gettext_noop("一次性化解率"),
    "I-ONLINE-SHARE": gettext_noop("网信占比"),
    "BJ-RESPONSE": gettext_noop("响应率"),
    "BJ-RESOLUTION": gettext_noop("解决率"),
    "BJ-SATISFACTION": gettext_noop("满意率"),
}


def indicator_name(indicator: str) -> str:
    """The indicator's name in the active language (its id when unknown)."""
    name = INDICATOR_NAMES.get(indicator)
    return gettext(name) if name else indicator
