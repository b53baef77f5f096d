"""Opening a petition with its tracking code and query password, shared by the portal's 查询 form
and the citizen API (``/api/v1/citizen/``): the track throttles (address, code, code per day) and
one answer for a wrong code and a wrong password alike (no oracle)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from minsheng.core.errors import ApplicationError, Throttled
from minsheng.petitions.models import Petition
from minsheng.petitions.services import petition_check_query
from minsheng.portal.security import throttle_reset, throttle_take


class TrackFailed(ApplicationError):
    """Wrong tracking code or wrong password: one answer for both."""

    code = "track_failed"
    http_status = 404


def clean_tracking_code(raw: str) -> str:
    """The code as typed, without spaces, in capitals."""
    return "".join((raw or "").split()).upper()


def petition_track(ip: str, code: str, password: str) -> Petition:
    """The petition ``code`` and ``password`` open, counted against the track throttles: a failure
    counts, a success is refunded and clears the code's count. Throttled or TrackFailed."""
    attempt = throttle_take(("track_fail_ip", ip), ("track_fail_code", code), ("track_fail_code_day", code))
    if attempt is None:
        raise Throttled(_("查询失败次数过多，请15分钟后再试。"))
    petition = petition_check_query(code, password)
    if petition is None:
        raise TrackFailed(_("查询码或查询密码不正确，请核对后再试。"))
    attempt.refund()
    throttle_reset("track_fail_code", code)
    return petition
