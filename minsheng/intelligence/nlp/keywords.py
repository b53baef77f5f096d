"""Keyword guess of a petition's level-1 category (pure: no Django).

A transparent fallback for when the trained classifier is unavailable or unsure (a short
draft, everyday wording it has not seen): each level-1 category has a list of everyday words;
the category name itself and its fragments ("劳动和社会保障" → "劳动", "社会保障") count too.
The category whose matched words are longest in total wins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

__all__ = ["CATEGORY_KEYWORDS", "keyword_category"]

# Extra everyday words for each level-1 category (the category names themselves count too).
CATEGORY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "城乡建设": (
        "小区",
        "物业",
        "房屋",
        "住房",
        "拆迁",
        "施工",
        "工地",
        "噪音",
        "道路",
        "楼盘",
        "开发商",
        "装修",
    ),
    "劳动和社会保障": ("工资", "欠薪", "社保", "养老", "医保", "劳动合同", "辞退", "工伤", "加班", "退休"),
    "环境保护": ("污染", "排污", "臭味", "废气", "废水", "垃圾", "噪声", "扬尘"),
    "教育文体": ("学校", "教师", "老师", "学生", "入学", "学费", "幼儿园", "体育"),
    "卫生计生": ("医院", "医生", "看病", "药品", "疫苗", "诊所", "医疗"),
    "交通运输": ("公交", "出租车", "地铁", "客运", "货车", "公路", "交通"),
    "民政": ("低保", "救助", "养老院", "殡葬", "婚姻登记", "残疾", "社区"),
    "农村农业": ("农村", "土地承包", "村委", "农民", "耕地", "种植", "养殖", "宅基地"),
    "国土资源": ("土地", "征地", "国土", "矿产", "不动产"),
    "政法": ("派出所", "警察", "报警", "诈骗", "治安", "案件", "公安"),
    "纪检监察": ("腐败", "贪污", "受贿", "行贿", "违纪", "吃拿卡要", "公款"),
    "商贸旅游": ("商场", "旅游", "景区", "消费", "退款", "商户"),
    "经济管理": ("企业", "税", "物价", "市场监管", "假冒", "质量"),
    "科技与信息产业": ("网络", "宽带", "手机信号", "通信", "科技"),
    "党务政务": ("政务", "办事", "窗口", "审批", "公务员", "服务态度"),
}


def _words(name: str) -> set[str]:
    words = {name, *CATEGORY_KEYWORDS.get(name, ())}
    words.update(part for part in name.replace("与", "和").split("和") if len(part) >= 2)
    return {w for w in words if w}


def keyword_category(text: str, names: Iterable[str]) -> str | None:
    """The level-1 category among ``names`` whose words occur in ``text`` the most, or None.

    Ties go to the category listed first in ``names``.
    """
    scores: Counter[str] = Counter()
    for name in names:
        for word in _words(name):
            if word in text:
                scores[name] += len(word)
    if not scores:
        return None
    return scores.most_common(1)[0][0]
