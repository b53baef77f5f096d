"""Full-text search with Chinese queries (runs on SQLite and on PostgreSQL via DATABASE_URL)."""

from __future__ import annotations

import pytest

from minsheng.petitions.models import Petition
from minsheng.petitions.selectors import PetitionFilters, petition_list
from minsheng.search.models import SearchDocument
from minsheng.search.services import search_filter, search_reindex
from minsheng.search.tokens import document_tokens, query_terms

pytestmark = pytest.mark.django_db


def test_tokens_are_bigrams_and_words():
    assert document_tokens("噪音扰民 ABC12") == "噪音 音扰 扰民 zzbrk abc12 zzbrk"
    assert query_terms("工地夜间施工噪音") == ["工地", "夜间", "施工", "噪音"]
    assert query_terms("噪音  扰民") == ["噪音", "扰民"]


@pytest.fixture
def corpus(register):
    return {
        "noise": register(),
        "wages": register(
            title="某建筑公司拖欠农民工工资",
            request="请求督促公司支付拖欠的工资三万元",
            facts="在A5区某工地务工半年，老板拖欠工资至今未付。",
            reasons="",
        ),
        "school": register(
            title="学区划分不合理",
            request="请求重新划分学区",
            facts="小区孩子被划到很远的学校上学。",
            reasons="",
        ),
    }


def ids(qs):
    return {p.pk for p in qs}


def test_chinese_queries(corpus):
    qs = Petition.objects.all()
    assert ids(search_filter(qs, "噪音")) == {corpus["noise"].pk}
    assert ids(search_filter(qs, "拖欠工资")) == {corpus["wages"].pk}  # phrase inside the text
    assert ids(search_filter(qs, "工资 拖欠")) == {corpus["wages"].pk}  # terms in any order
    assert ids(search_filter(qs, "工地")) == {corpus["noise"].pk, corpus["wages"].pk}
    assert ids(search_filter(qs, "学区划分")) == {corpus["school"].pk}
    assert ids(search_filter(qs, "夜间施工噪音")) == {corpus["noise"].pk}  # jieba-split long query
    assert ids(search_filter(qs, "噪音 学区")) == set()  # every term must occur
    assert ids(search_filter(qs, "飞机")) == set()


def test_single_character_and_tracking_code(corpus):
    qs = Petition.objects.all()
    assert ids(search_filter(qs, "噪")) == {corpus["noise"].pk}
    code = corpus["school"].tracking_code
    assert ids(search_filter(qs, code)) == {corpus["school"].pk}
    assert ids(search_filter(qs, code.lower())) == {corpus["school"].pk}


def test_reindex_rebuilds_and_skips_unchanged(corpus):
    petition = corpus["school"]
    petition.title = "幼儿园收费过高"
    petition.save()  # a raw edit outside the services: search_reindex picks it up
    qs = Petition.objects.all()
    assert search_reindex() == 1
    assert ids(search_filter(qs, "幼儿园")) == {petition.pk}
    SearchDocument.objects.all().delete()
    assert ids(search_filter(qs, "幼儿园")) == set()
    assert search_reindex() == 3
    assert ids(search_filter(qs, "幼儿园")) == {petition.pk}
    assert search_reindex() == 0  # unchanged texts are skipped


def test_petition_list_uses_index_with_permissions(corpus, users):
    found = petition_list(users["dispatcher"], PetitionFilters(q="拖欠"))
    assert ids(found) == {corpus["wages"].pk}
    assert ids(petition_list(users["edu_caseworker"], PetitionFilters(q="拖欠"))) == set()
