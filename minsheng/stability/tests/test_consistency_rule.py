"""The pure pairing rule of 一碗水端平."""

from __future__ import annotations

from minsheng.stability.consistency import Case, find_pairs, outcomes_oppose

TEXT = "我家位于幸福片区12栋，房屋被征收，约定补偿款80万元，至今只发放了50万元，请求补足剩余补偿款。"


def test_outcomes_oppose() -> None:
    assert outcomes_oppose("support", "not_support") and outcomes_oppose("not_support", "partial_support")
    assert not outcomes_oppose("support", "partial_support")
    assert not outcomes_oppose("explain", "not_support") and not outcomes_oppose("support", "explain")


def test_find_pairs_needs_group_similarity_and_opposite_outcomes() -> None:
    cases = [
        Case(1, "g", "support", TEXT),
        Case(2, "g", "not_support", TEXT.replace("12栋", "14栋")),
        Case(3, "h", "not_support", TEXT),  # another category or place
        Case(4, "g", "not_support", "小区绿化带被占用为停车位，请求恢复绿化。"),  # not alike
        Case(5, "g", "explain", TEXT),  # neither side
    ]
    pairs = find_pairs(cases, 0.5)
    assert [(a, b) for a, b, _s in pairs] == [(1, 2)]
    assert pairs[0][2] == 0.8605


def test_scan_command_prints_json_and_refuses_bad_input(db: object) -> None:
    import io
    import json

    import pytest
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    call_command("stability-scan", stdout=out)
    assert json.loads(out.getvalue()) == {"decision_links": 0, "new_flags": 0, "min_score": 0.5}
    with pytest.raises(CommandError):
        call_command("stability-scan", "--min-score", "0")
