"""Urgency and distress detection (pure): per-family cases, negatives, and regression floors
on the self-labelled development sample, the frozen held-out set and the whole corpus."""

from __future__ import annotations

import pytest

from minsheng.intelligence.nlp.urgency import detect_urgency
from minsheng.intelligence.nlp.urgency_eval import (
    HELDOUT,
    evaluate_corpus,
    evaluate_heldout,
    evaluate_sample,
    tipdm_texts,
)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("如果再不解决我就跳楼", "urgent"),
        ("我已经不想活了", "urgent"),
        ("他说要喝农药", "urgent"),
        ("农民工下周准备去市政府讨薪", "urgent"),
        ("上百名工人明天堵路", "urgent"),
        ("村民们决定节后集体上访", "urgent"),
        ("否则全体业主将到区政府门口静坐", "urgent"),
        ("业主去年曾拉横幅维权", "attention"),
        ("我实在走投无路了，房子被拆，一家人无家可归", "attention"),
        ("小区电梯存在安全隐患", "none"),
        ("我没有自杀的想法", "none"),
        ("我们不想拉横幅，只想依法解决", "none"),
        ("请求减轻生产成本", "none"),
        ("上下班高峰拥堵路段太多", "none"),
        ("", "none"),
    ],
)
def test_levels(text: str, level: str) -> None:
    assert detect_urgency(text).level == level


# Development phrases, one block per risk family (self-harm, threats, hazards and medical
# emergencies, mass action, leapfrog petitioning, violence, distress) and hard negatives.
# The held-out set (data/urgency_heldout.csv) is separate and was never tuned on.
@pytest.mark.parametrize(
    ("text", "level"),
    [
        # phrasings reported as missed (all were `none` before)
        ("如果再不解决，我就去北京上访", "attention"),
        ("将组织村民进京上访", "urgent"),
        ("我要到天安门去", "attention"),
        ("我们几十个工人明天要去市政府讨说法", "urgent"),
        ("工地老板拖欠我们三十多名工人工资，大家准备集体去信访局", "urgent"),
        ("不解决的话我们就去堵高速", "urgent"),
        ("他扬言要报复社会", "urgent"),
        ("我已经买好了汽油，不解决就点了", "urgent"),
        ("实在没办法了，准备带着孩子一起走", "urgent"),
        ("孩子高烧不退医院拒收，命在旦夕", "urgent"),
        ("老人被困在倒塌的房屋里", "urgent"),
        ("煤气泄漏，随时可能爆炸", "urgent"),
        ("他说要杀了我全家", "urgent"),
        ("有人持刀闹事", "urgent"),
        # (a) self-harm
        ("再没人管，我就喝药死在你们单位", "urgent"),
        ("我们一家人一起死了算了", "urgent"),
        ("这是我最后一次求助了，实在撑不下去了", "urgent"),
        ("我把遗书都写好了", "urgent"),
        ("母亲说活着没意思，天天念叨想死", "urgent"),
        ("被逼得没办法，只能带上女儿一块儿去死", "urgent"),
        ("他爬到了十二楼楼顶要往下跳", "urgent"),
        ("我准备好了一瓶敌敌畏", "urgent"),
        # (b) threats
        ("他说要一把火烧了村委会", "urgent"),
        ("对方放话要砍死我", "urgent"),
        ("他说大不了和他们同归于尽", "urgent"),
        ("有人说要把煤气罐带到政府大楼炸了", "urgent"),
        ("他扬言不会放过我们", "attention"),
        # (c) hazards, medical
        ("小区地下室燃气泄漏，味道很浓", "urgent"),
        ("老楼墙体开裂，随时可能倒塌", "attention"),
        ("危房随时可能倒塌，里面还住着老人", "urgent"),
        ("工厂着火了，火势很大", "urgent"),
        ("产妇大出血，医院拒绝收治", "urgent"),
        ("有两个工人被埋在塌方的土下面", "urgent"),
        ("医生说孩子生命垂危急需手术", "urgent"),
        ("隔壁工厂上个月发生过爆炸", "none"),
        # (d) mass
        ("上百名业主周末要去开发商那里讨说法", "urgent"),
        ("几十户村民准备明天到镇政府门口静坐", "urgent"),
        ("工友们商量好了下周一起去劳动监察大队", "urgent"),
        ("家长们在微信群里号召明天到教育局聚集", "urgent"),
        ("全体职工准备罢工", "urgent"),
        ("二十多个司机打算去拦国道", "urgent"),
        ("去年有业主拉过横幅", "attention"),
        ("我去公司讨薪，老板不给", "attention"),
        ("数十名员工约好去总部讨说法", "urgent"),
        # (e) leapfrog
        ("实在不行我只能去省里告", "attention"),
        ("我们村二十多人准备下周进京", "urgent"),
        ("我已经越级上访过好几次", "attention"),
        ("两会期间我要去北京上访", "urgent"),
        ("他曾到中南海反映情况", "attention"),
        # (f) violence
        ("丈夫长期家暴，我身上都是伤", "attention"),
        ("怀疑幼儿园老师虐待孩子", "attention"),
        ("村干部带人殴打村民", "attention"),
        ("讨债的人拿着刀堵在门口", "urgent"),
        ("他对我进行人身威胁", "attention"),
        # (g) distress
        ("家里已经揭不开锅了", "attention"),
        ("老人病了无钱治病", "attention"),
        ("被赶出来后只能流落街头", "attention"),
        ("走投无路了，请领导帮帮我", "attention"),
        # negatives
        ("小区存在安全隐患，请尽快整改", "none"),
        ("这是全市有名的拥堵路段", "none"),
        ("消防通道被堵，车辆无法通行", "none"),
        ("希望领导关注此事", "none"),
        ("我曾多次上访，问题一直没解决", "none"),
        ("请问燃气费怎么交", "none"),
        ("孩子上学难的问题", "none"),
        ("咨询最低工资标准", "none"),
        ("我们已经多次反映，没有结果", "none"),
        ("这算是一条爆炸性新闻", "none"),
        ("建议加强消防安全检查，防止发生火灾", "none"),
        ("预防学生轻生需要学校加强心理辅导", "none"),
        ("去派出所报案后一直没有回音", "none"),
        ("我们去年去北京旅游时发现的问题", "none"),
        ("个人信息泄露，经常接到骚扰电话", "none"),
        ("被打击报复后我不敢再举报", "none"),
        ("工厂停工了，工人放假在家", "none"),
        ("公司已经十几个月没交社保", "none"),
        ("这个十字路口早晚高峰经常堵车", "none"),
        ("希望开通到省城的高铁", "none"),
        ("我和妻子一起去医院看病，排队太久", "none"),
        ("请给我们一个说法", "none"),
        ("电动车进楼道充电容易引起火灾", "none"),
        ("小区15号楼的电梯老是坏", "none"),
        ("这家店秒杀活动是虚假宣传", "none"),
        # a second batch written after the first round of tuning, as a check (one miss fixed)
        ("他天天念叨要跟拆迁办的人同归于尽", "urgent"),
        ("她把自己反锁在屋里，说要吃安眠药", "urgent"),
        ("我打算写好遗言就走", "urgent"),
        ("老赵放话说，补偿款不到位就拎汽油去镇政府", "urgent"),
        ("丈夫威胁说要打死我和孩子", "urgent"),
        ("小区配电房起火了，烟很大", "urgent"),
        ("工地基坑坍塌，有三名工人被埋", "urgent"),
        ("病人昏迷不醒，医院不给收治", "urgent"),
        ("车间氨气泄漏，好几个工人晕倒", "urgent"),
        ("全村两百多人商量好后天去县政府", "urgent"),
        ("几十名农民工准备周一到住建局讨要工资", "urgent"),
        ("业主们约好这周六去售楼部拉横幅", "urgent"),
        ("再这样推下去，我就上北京告状", "attention"),
        ("十几个退伍老兵计划国庆去北京", "urgent"),
        ("我爸被村干部打得住院了", "attention"),
        ("孩子被继父虐待，身上全是伤", "attention"),
        ("老两口没有收入，连饭都吃不上了", "attention"),
        ("生病没钱看病，只能在家硬扛", "attention"),
        ("施工工地扬尘太大", "none"),
        ("请问燃气公司的维修电话", "none"),
        ("学生家长对分班结果有意见", "none"),
        ("老旧小区改造时能否加装电梯", "none"),
        ("建议严查超载车辆，防止发生交通事故", "none"),
        ("反映某小区业主多次投诉物业无果", "none"),
        ("这家公司去年被评为安全生产先进单位", "none"),
        ("村里想请县里派技术员指导种植", "none"),
        ("物业维修基金使用不透明", "none"),
    ],
)
def test_family_cases(text: str, level: str) -> None:
    result = detect_urgency(text)
    assert result.level == level, (text, result.cues)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("我一个人找老板讨薪好几次", "attention"),  # one person's wage claim: not a mass incident
        ("我们三十多名工人准备去劳动局讨薪", "urgent"),
        ("我曾多次上访", "none"),  # plain past petitioning
        ("去派出所报案", "none"),  # going to an organ alone is ordinary
        ("五十多名业主代表到了区执法局反映情况", "none"),  # a past, orderly group visit
        ("锅炉随时可能爆炸", "attention"),  # a hazard, nobody said to be there
        ("锅炉随时可能爆炸，旁边就是幼儿园", "urgent"),
        ("万一燃气泄漏后果不堪设想", "attention"),  # hypothetical hazard: a look, no alarm
        ("防止燃气泄漏", "none"),  # prevention advice
        ("业主们不存在聚众闹事", "none"),
        ("开发商雇人把我打成骨折", "attention"),
        ("他扬言要报复，还拿着刀在门口转", "urgent"),  # threat together with a weapon
    ],
)
def test_level_rules(text: str, level: str) -> None:
    assert detect_urgency(text).level == level


def test_negation_is_reported_as_a_reason() -> None:
    result = detect_urgency("我没有自杀的想法")
    assert result.cues == [] and any("已否定" in r for r in result.reasons)


def test_urgent_result_explains_itself() -> None:
    result = detect_urgency("投诉", "如果没人解决，我死也要死在交警队门口")
    assert result.level == "urgent"
    assert result.cues and result.reasons[0].startswith("可能属重大、紧急")
    assert set(result.to_dict()) == {"level", "score", "cues", "reasons"}


def test_reasons_name_the_risk_family() -> None:
    result = detect_urgency("他扬言要报复社会")
    assert any(r.startswith("危害他人、报复社会风险") for r in result.reasons)


@pytest.fixture(scope="module")
def texts() -> dict[tuple[str, str], tuple[str, str]]:
    return tipdm_texts()


def test_floors_on_the_self_labelled_sample(texts: dict[tuple[str, str], tuple[str, str]]) -> None:
    # Development figures (the cue list was tuned on this sample): docs/intelligence.md.
    result, _ = evaluate_sample(texts)
    assert result["n"] >= 150 and all(result["gold"].values())
    assert result["flagged_recall"] >= 0.95, result  # measured 0.982 (54/55)
    assert result["flagged_precision"] >= 0.53, result  # measured 0.574
    assert result["urgent_unflagged"] == 0, result  # no urgent message goes unflagged


def test_floors_on_the_held_out_set() -> None:
    # Measured once, after the cue list was frozen: flagged recall 0.859 (73/85), precision
    # 0.973, urgent recall 0.763 (45/59). Floors sit a few points below; a change that
    # loses recall on unseen phrasing fails here. Never tune the cue list on this file.
    rows = HELDOUT.read_text(encoding="utf-8").splitlines()
    assert len(rows) - 1 >= 150
    result, _ = evaluate_heldout()
    assert result["flagged_recall"] >= 0.82, result
    assert result["flagged_precision"] >= 0.90, result
    assert result["urgent_recall"] >= 0.72, result
    assert int(result["by_family"]["neg"].split("/")[0]) <= 5, result  # measured 2/87


def test_reading_load_on_all_vendored_messages(texts: dict[tuple[str, str], tuple[str, str]]) -> None:
    result = evaluate_corpus(texts)
    assert result["messages"] == 3793
    assert result["flag_rate"] <= 0.06, result  # measured 0.049 (187: 122 attention, 65 urgent)
    # Speed is a benchmark figure (`python -m minsheng.intelligence.nlp.urgency_eval` prints
    # ms_per_message; docs/figures.md), never a wall-clock assertion: shared machines are noisy.
    print(f"urgency cues: {result['ms_per_message']:.2f} ms per message")
