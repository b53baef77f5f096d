"""Realistic same-matter message sets for tests: one estate's forced parking-space sales (45
messages over five months, named many ways), one estate's street-front restaurants (fumes and
noise, two facets of one matter), and unrelated background messages. Hand-written after the
patterns of the vendored TipDM messages; deterministic."""

from __future__ import annotations

from datetime import date, timedelta

from minsheng.analytics.nlp.records import Message

#: Ways the estate is named (brand, district prefix, 小区, phase) and the problem is put.
PARKING_NAMES = (
    "A7县广铁滨河苑",
    "滨河苑",
    "A市滨河苑小区",
    "广铁集团滨河苑",
    "滨河苑二期",
    "A市A7县滨河苑",
    "滨河苑项目",
)
PARKING_PROBLEMS = (
    "开发商捆绑销售车位",
    "强制业主购买车位",
    "买房必须买车位，不买不给签合同",
    "违规捆绑销售地下车位",
    "开发商强买强卖车位",
    "车位捆绑销售问题",
    "捆绑车位销售，业主维权无门",
    "不买车位就不交房合理吗",
    "车位十二万一个，强制搭售",
)
PARKING_LEADS = ("", "投诉", "请求查处", "关于", "再次反映", "强烈要求整治")
PARKING_TEXTS = (
    "我们是滨河苑的购房业主，开发商要求购房必须同时购买一个地下车位，每个车位十二万元，不买车位就不签购房合同。",
    "本人在A7县滨河苑买房，销售人员告知必须捆绑购买车位，否则不予办理网签，这种强买强卖行为严重损害消费者权益。",
    "滨河苑开发商把车位和住房捆绑销售，很多业主并不需要车位，却被迫多付十几万元，请相关部门依法查处。",
    "交房前开发商通知，没有购买车位的业主不能收房，我们多次找售楼部协商无果，恳请领导关注滨河苑业主的诉求。",
    "广铁滨河苑违规捆绑销售车位已经持续几个月，住建部门至今没有处理结果，业主们非常气愤。",
)
SHOP_MESSAGES = (
    (
        "A5区魅力之城小区临街门面油烟扰民",
        "魅力之城小区一楼临街门面开了多家餐馆，油烟直排，楼上住户窗户都不敢开。",
    ),
    (
        "魅力之城小区楼下烧烤店深夜噪音扰民",
        "魅力之城小区楼下的烧烤店每天营业到凌晨两点，客人喧哗，噪音很大，居民无法休息。",
    ),
    (
        "投诉A5区魅力之城底商餐馆乱排油烟",
        "魅力之城小区底商的餐馆没有安装油烟净化设备，油烟和噪音严重影响居民生活。",
    ),
    (
        "魅力之城临街餐馆噪音油烟问题何时解决",
        "魅力之城小区临街餐饮店的排风机噪音大、油烟重，多次投诉，至今未解决。",
    ),
    (
        "请求整治魅力之城小区门面夜宵店扰民",
        "魅力之城小区门面的夜宵店夜间占道经营，噪音和油烟扰民，请求城管和环保部门整治。",
    ),
    ("A5区魅力之城小区餐饮油烟熏人", "小区临街商铺全部变成了餐馆，魅力之城的住户天天闻油烟。"),
)
BACKGROUND = (
    ("A3区金桂园小区对面工地夜间施工噪音扰民", "金桂园小区对面工地夜间施工，晚上十二点还在打桩。"),
    ("A5区魅力之城小区幼儿园学位不足", "魅力之城小区配套幼儿园学位不足，孩子无法就近入园。"),
    ("A7县滨河苑旁道路路灯不亮", "滨河苑旁边的道路路灯坏了三个月，晚上出行不安全。"),
    ("咨询A市公积金贷款政策", "请问A市二套房公积金贷款首付比例是多少？"),
    ("K2区河东富源小区停水", "河东富源小区连续三天停水，没有任何通知。"),
    ("A1区望月湖街道垃圾清运不及时", "望月湖街道的垃圾站垃圾堆积，清运不及时，臭气熏天。"),
)

D0 = date(2019, 3, 1)


def parking_messages(n: int = 45, first_id: int = 1000) -> list[Message]:
    """``n`` messages of the parking-space matter over about five months, many petitioners."""
    out = []
    for i in range(n):
        # Every title differs: lead word x name x problem (no exact re-post to lean on).
        title = (
            PARKING_LEADS[i % len(PARKING_LEADS)]
            + PARKING_NAMES[(i // 2) % len(PARKING_NAMES)]
            + PARKING_PROBLEMS[(i * 5) % len(PARKING_PROBLEMS)]
        )
        text = PARKING_TEXTS[(i * 3) % len(PARKING_TEXTS)]
        out.append(
            Message(
                id=first_id + i,
                user=f"buyer{i % 37}",
                title=title,
                text=text,
                day=D0 + timedelta(days=(i * 151) // n),
            )
        )
    return out


def shop_messages(first_id: int = 2000) -> list[Message]:
    return [
        Message(id=first_id + i, user=f"resident{i}", title=t, text=x, day=D0 + timedelta(days=20 + 9 * i))
        for i, (t, x) in enumerate(SHOP_MESSAGES)
    ]


def background_messages(first_id: int = 3000) -> list[Message]:
    return [
        Message(id=first_id + i, user=f"other{i}", title=t, text=x, day=D0 + timedelta(days=5 * i))
        for i, (t, x) in enumerate(BACKGROUND)
    ]
