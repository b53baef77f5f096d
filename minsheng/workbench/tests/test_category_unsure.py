"""The case page marks an unsure category suggestion so that the dispatcher chooses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from minsheng.petitions.models import Petition

pytestmark = pytest.mark.django_db


def suggestion(confidence: float) -> dict[str, object]:
    return {
        "category": {
            "label": "交通运输",
            "confidence": confidence,
            "unsure": confidence < 0.8,
            "top": [["交通运输", confidence], ["城乡建设", 1 - confidence]],
            "explanation": ["公交", "站点"],
        }
    }


def test_unsure_suggestion_is_marked_and_a_sure_one_is_not(client, users, register):
    petition = register(title="公交车站点设置不合理")
    client.force_login(users["dispatcher"])
    url = reverse("workbench:petition", args=[petition.pk])
    Petition.objects.filter(pk=petition.pk).update(suggestions=suggestion(0.56))
    page = client.get(url).content.decode()
    assert "置信度 0.56" in page and 'data-unsure="1"' in page and "不确定，请人工选择分类" in page
    Petition.objects.filter(pk=petition.pk).update(suggestions=suggestion(0.97))
    page = client.get(url).content.decode()
    assert "置信度 0.97" in page and 'data-unsure="1"' not in page
