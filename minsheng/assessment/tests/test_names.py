"""One source for the indicators' display names (minsheng.assessment.names): every indicator of
every definitions version has a name, the versioned definitions carry the same Chinese names, the
reports and the workbench pages read them from there, and the workbench shows them translated."""

from __future__ import annotations

from django.utils import translation

from minsheng.assessment import definitions as D
from minsheng.assessment import reports
from minsheng.assessment.names import INDICATOR_NAMES, indicator_name
from minsheng.workbench import accountability_views, indicators_views


def test_every_indicator_of_every_version_has_one_name() -> None:
    for version in D.versions():
        for profile in D.PROFILES:
            for indicator in D.indicator_ids(profile, version):
                assert indicator in INDICATOR_NAMES, (version, profile, indicator)
        for spec in D.indicator_defs("xinfang", version):
            # The versioned definitions name each indicator as the workbench and reports do.
            assert spec["zh"] == INDICATOR_NAMES[spec["id"]], (version, spec["id"])


def test_reports_and_pages_read_the_one_source() -> None:
    assert reports.NAMES is INDICATOR_NAMES
    assert not hasattr(accountability_views, "INDICATOR_NAMES")
    assert not hasattr(indicators_views, "NAMES")
    assert accountability_views.indicator_name is indicator_name
    assert indicators_views.indicator_name is indicator_name


def test_names_in_the_active_language() -> None:
    with translation.override("zh-hans"):
        assert indicator_name("I-SATISFACTION-ORGAN") == "参评群众满意率（责任单位）"
    with translation.override("en"):
        assert indicator_name("I-ONTIME-REPLY") == "On-time conclusion rate"
        assert indicator_name("I-PARTICIPATION-ORGAN") == "Rating participation rate (responsible organ)"
    assert indicator_name("X-UNKNOWN") == "X-UNKNOWN"
