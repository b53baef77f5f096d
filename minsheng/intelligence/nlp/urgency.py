"""Urgency and distress detection (pure: no Django).

Flags texts that signal a danger to life, a threat to others, a mass incident, irregular
(leapfrog) petitioning, violence or extreme distress, so that a person reads them at once
(条例 Art. 25: urgent matters are reported immediately).

The detector is a transparent cue list, deliberately tuned for **recall**: a missed
self-harm threat is far worse than a false alarm, so a single strong cue suffices. Each
cue has a risk family (group), a level and an upgrade rule:

* (a) ``self_harm`` — suicide and extended suicide (带着孩子一起走, 一家人一起死, 喝药, 遗书):
  ``urgent``; 最后一次求助 is ``attention``, ``urgent`` with any other distress signal;
* (b) ``threat`` — 报复社会, killing / arson / explosives / poison with an intent marker
  (要, 说, 扬言 … before 杀了, 砍死, 炸了; 买好汽油; 放火): ``urgent``; 扬言 + harm: ``attention``;
* (c) ``danger_to_life`` — emergencies under way (被困在…里, 燃气泄漏, 着火了, 命在旦夕, 医院
  拒收 / 拒绝救治): ``urgent``; a standing hazard (随时可能倒塌) is ``attention``, ``urgent``
  when people are said to be there; past or generic hazard words (倒塌, 爆炸) are weak;
* (d) ``mass`` — blocking roads, sit-ins, banners, strikes, organising / 串联, 集体去…:
  ``attention``, ``urgent`` with a crowd size (几十名, 三十多名, 上百, 全村 …) or a plan marker;
  going to an organ (去市政府, 到信访局) counts only with both a crowd and a plan; 讨薪 is
  ``attention`` for one person, ``urgent`` with a crowd;
* (e) ``leapfrog`` — 进京, 去北京 / 到省里 to petition, 天安门, 中南海, 越级上访: ``attention``,
  ``urgent`` with a crowd or a date / ticket (明天, 下周, 两会, 国庆, 火车票);
* (f) ``violence`` — 持刀 / 拿着棍子 (``urgent``), 家暴, 殴打, 虐待, 打成骨折, 人身威胁
  (``attention``);
* (g) ``distress`` — 揭不开锅, 断粮, 流落街头, 无钱治病, 走投无路: ``attention``.

Light negation handling: a cue preceded (within a few characters, same clause) by a
negation (没有, 不会, 不想, 未, 并非, 不存在 …) or by prevention talk (防止, 避免, 预防 …) is
reported but does not count; a danger cue preceded by a hypothetical marker (一旦, 万一,
如果 …) is downgraded to ``attention``. Weak cues (绝望, 投诉无门, 人身安全 …) count in pairs
or next to a crowd. Some pairs of families add up to ``urgent`` (mass + violence, threat +
violence, two separate emergencies …).

Figures on the self-labelled sample ``data/urgency_sample.csv``, the frozen held-out set
``data/urgency_heldout.csv`` and the whole corpus: ``python -m
minsheng.intelligence.nlp.urgency_eval``; reported in docs/intelligence.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from minsheng.core.text import normalize

__all__ = ["LEVELS", "UrgencyResult", "detect_urgency"]

NONE, ATTENTION, URGENT = "none", "attention", "urgent"
LEVELS = (NONE, ATTENTION, URGENT)
_RANK = {NONE: 0, "weak": 0, ATTENTION: 1, URGENT: 2}

# group -> Chinese label used in the reasons
GROUP_LABELS = {
    "self_harm": "自伤、轻生风险",
    "threat": "危害他人、报复社会风险",
    "danger_to_life": "危及生命",
    "mass": "群体性事件风险",
    "leapfrog": "越级、非正常上访风险",
    "escalation": "矛盾激化风险",
    "violence": "人身安全受威胁",
    "distress": "极度困境",
}

# How a cue's level changes with its surroundings (see detect_urgency):
FIXED = ""  # the level as given
PLAN = "plan"  # urgent with a crowd size or a plan / ultimatum marker nearby
CROWD = "crowd"  # urgent with a crowd size nearby (a plan alone is one person's plan)
DATED = "dated"  # urgent with a crowd size or a date / ticket nearby
GROUP_ONLY = "group_only"  # counts only with a crowd size and a plan marker (then urgent)
PLAN_ONLY = "plan_only"  # urgent with a plan marker ("组织大家维权" names its own crowd)
PEOPLE = "people"  # urgent when people are said to be there ("还住着老人")

# (pattern, group, level, upgrade). Patterns run on normalize()d text (full-width
# punctuation folded: "，" is ","). WEAK cues are common figures of speech ("投诉无门",
# "绝望", "人身安全"): one alone does not flag a text, two distinct ones (or one with any
# stronger cue or a crowd) make it ``attention``.
WEAK = "weak"
_ORGAN = (
    r"(?:[市区县镇乡省]?(?:政府|市委|区委|县委|省委|党委|信访局|信访办|信访部门|劳动局|人社局|住建局|公安局|教育局|法院|检察院|纪委)"
    r"|[^,。;!?、]{0,4}(?:局|大队|总部)|市里|县里|区里|镇里|乡里|省里|派出所|村委会?|售楼部|开发商|厂里|厂门)"
)
_PURPOSE_NOT_PETITION = (
    r"(?!的|.{0,8}(?:读书|上学|看病|就医|治疗|培训|学习|参观|旅游|研学|开会|工作|打工|出差|考试|比赛|升旗|观礼|游玩|体检|考察|总部"
    r"|办理|打报告|审批|批复|备案|报批|领取))"
)
# "去/到" as a movement, not "得到/遭到/找到…"
_GO = r"(?<![得收受达遇遭看找想感做办直迟报来拿听见碰转])(?:去|到|前往|赶往|赶到)"
_CUES: list[tuple[str, str, str, str]] = [
    # -- (a) self-harm and suicide, incl. extended suicide: urgent on a single mention
    (
        r"跳楼|跳河|跳江|跳湖|跳桥|跳海|卧轨|跳下去|往下跳|(?:楼顶|天台|楼上|桥上|窗户|阳台)(?:上)?(?:往下)?跳",
        "self_harm",
        URGENT,
        FIXED,
    ),
    (
        r"自杀|自尽|自残|自焚|割腕|割脉|上吊|服毒|寻短见|短见|(?:划|割)(?:破|了)?(?:自己的)?(?:手腕|脉|喉)",
        "self_harm",
        URGENT,
        FIXED,
    ),
    (r"(?<!减)(?<!年)轻生", "self_harm", URGENT, FIXED),
    (
        r"(?:喝|服|吃|吞)(?:了|下)?(?:一?(?:瓶|整瓶|把|大把|板|盒))?(?:农药|安眠药|老鼠药|鼠药|敌敌畏|百草枯|毒药|除草剂)"
        r"|(?:攒|囤|买|备|藏|准备)(?:了|好|够|下)?.{0,4}(?:农药|安眠药|老鼠药|鼠药|敌敌畏|百草枯|毒药)"
        r"|(?:就|去|要|准备|打算|当场|当面|只能|只好)喝药|喝药(?:自杀|了|死)",
        "self_harm",
        URGENT,
        FIXED,
    ),
    (
        r"不想活|活不下去|活不成了|不活了|没法活|一死了之|以死(?:相逼|明志|抗争|维权|抗议)|死了算了|不如死了|不如一死"
        r"|一了百了|生无可恋|结束(?:自己的|我的)?生命|离开这个世界|(?:做个|一起|自我)了(?:断|结)|了此残生"
        r"|活着(?:还)?(?:有什么意思|没意思|没有意思|没有意义|是(?:个)?(?:拖累|负担)|就是(?:个)?(?:拖累|负担))|人生没有意义",
        "self_harm",
        URGENT,
        FIXED,
    ),
    (
        r"(?:带|抱|领|拉)(?:着|上)?.{0,8}(?:一起|一块儿?|一同)(?:走|死|去死|跳|了断|离开)(?![了路过进出到来去访开])"
        r"|(?:一家人|全家人?|一家(?:老小|几口|[三四五六七]口)|娘儿?俩|母子|父子|母女|父女|夫妻)(?:一起|一块儿?|都)?(?:去死|死|寻死|走绝路|喝药|跳)",
        "self_harm",
        URGENT,
        FIXED,
    ),
    (
        r"遗书|绝笔|(?:留|写)(?:下|好)?(?:了)?遗言|(?:之后|以后|到时|明天|今晚)我?就不在了|我(?:就|恐怕|可能)不在(?:人世|这个世上)",
        "self_harm",
        URGENT,
        FIXED,
    ),
    (
        r"寻死(?!觅活)|想不开|想死(?!人)|死给.{0,4}看|死也要死在|死在.{0,6}(?:门口|门前|大门)|走(?:上)?绝路",
        "self_harm",
        URGENT,
        FIXED,
    ),
    (r"最后一次(?:求助|反映|恳求|呼吁|向|找|写信|上访|信访)|最后一封信", "self_harm", ATTENTION, FIXED),
    (r"撑不下去|熬不下去|扛不住了|活不起|生不如死", "self_harm", WEAK, FIXED),
    # -- (b) threats to others and society
    (r"同归于尽|鱼死网破|玉石俱焚|拉.{0,6}垫背|一命(?:抵|换)一命|陪葬", "threat", URGENT, FIXED),
    (r"报复社会|(?<!打击)(?<!遭)(?<!被)报复(?:行凶|杀人)", "threat", URGENT, FIXED),
    (
        r"(?:要|说|扬言|想|会|就|去|准备|敢|放话|威胁|喊|叫嚣|拿刀)[^,。;!?被没不]{0,6}(?<!棍子)(?<!棒子)"
        r"(?:(?:杀|砍|捅|弄|整|掐|毒|撞|烧|炸)死|(?:杀|捅|炸)(?:了|掉)|砍了(?!.{0,6}(?:树|竹|林))|杀(?:人|他|她|你|全家)|砍(?:人|你|他)|打死(?!也|都|不))"
        r"|要(?:了)?(?:他|她|你|你们|他们|我)(?:的|们的)?(?:命|性命|狗命)",
        "threat",
        URGENT,
        FIXED,
    ),
    (
        r"(?:买|备|囤|准备|带|拎|提|浇|泼|淋|装)(?:了|好|着|上)?.{0,5}(?:汽油|柴油|煤油|硫酸|炸药|雷管|爆炸物)"
        r"|(?:要|就|准备|扬言|说|想)把[^,。;]{0,12}(?:炸|烧|点)(?:了|掉|毁|平)|(?:带|拎|提|扛|背)(?:着|上|了)?.{0,4}(?:煤气罐|液化气罐)"
        r"|(?<!州官)(?<!官府)(?:放火|纵火)|(?:一把火|把火)烧|就(?:点了|点火|烧了|炸了)|炸(?:掉|平|毁)|投毒(?!.{0,3}鱼)",
        "threat",
        URGENT,
        FIXED,
    ),
    (
        r"(?:跟|和|同).{0,8}拼(?:了|命)|(?:扬言|放狠话|放话|叫嚣)(?:要|说)?[^,。;!?]{0,10}(?:打|杀|砍|弄死|整死|报复|放过|收拾|找人|烧|炸|拼|算账|好看|要.{0,4}命|废了)"
        r"|威胁(?:说|道|要|称|我|我们|他|她)[^,。;!?]{0,10}(?:打|杀|砍|弄死|整死|报复|收拾|找人|烧|炸|好看|要.{0,4}命)|不得好死",
        "threat",
        ATTENTION,
        FIXED,
    ),
    (
        r"扬言|放狠话|(?<!打击)(?<!遭)(?<!被)(?<!遭到)(?<!怕)报复|找.{0,6}算账|炸药|雷管",
        "threat",
        WEAK,
        FIXED,
    ),
    # -- (c) danger to life: hazards under way, medical emergencies
    (r"(?:救救|挽救).{0,12}(?:生命|性命)", "danger_to_life", URGENT, FIXED),
    (
        r"(?:生命|性命)(?:垂危|危在旦夕)|命悬一线|命在旦夕|危在旦夕|奄奄一息|性命难保|随时(?:都)?(?:会)?有生命危险",
        "danger_to_life",
        URGENT,
        FIXED,
    ),
    (
        r"被困在[^,。;]{0,10}(?:里|中|内|下面|底下)|(?:人|工人|村民|老人|孩子|学生|矿工|家人|户)[^,。;]{0,6}(?:被埋|埋在|压在)",
        "danger_to_life",
        URGENT,
        FIXED,
    ),
    (
        r"(?:燃气|煤气|天然气|液化气|毒气|氨气|氯气|有毒气体|化学品|危化品)(?:管道)?(?:大量|严重)?(?:泄漏|泄露|外泄)(?!.{0,2}(?:报警|检测|隐患|风险|事故的|应急))"
        r"|(?:闻到|有).{0,6}(?:煤气|燃气|天然气|液化气)味|(?:煤气|燃气|天然气|液化气)味(?:道)?(?:很|特别|非常)?(?:浓|重|大)",
        "danger_to_life",
        URGENT,
        FIXED,
    ),
    (
        r"(?:着|起|失)火(?:了|啦)|正在(?:着火|起火|燃烧)|火势(?:很大|凶猛|蔓延)|烧起来了|(?:火灾|大火)正在"
        r"|(?:洪水|河水|江水|大水)(?:已经)?(?:漫|淹|冲)(?:到|进|了)|(?:矿|井)[^,。;]{0,6}透水|透水事故|冒顶",
        "danger_to_life",
        URGENT,
        FIXED,
    ),
    (
        r"随时(?:都)?(?:可能|会|有可能)?(?:发生)?(?:爆炸|倒塌|坍塌|垮塌|塌|倒|垮|掉下|坠落|砸)|管涌|决堤|溃坝",
        "danger_to_life",
        ATTENTION,
        PEOPLE,
    ),
    (
        r"失联|高烧不退|大出血|休克|昏迷不醒"
        r"|(?:塔吊|楼|房|墙|电线杆|大树|围墙|脚手架|桥)[^,。;]{0,4}(?:严重|已经|明显)倾斜",
        "danger_to_life",
        ATTENTION,
        FIXED,
    ),
    (
        r"被困(?!扰|难|惑|境)|下落不明|呼吸困难|山体滑坡|泥石流|倒塌|坍塌|垮塌|塌方|爆炸(?!性|案)|中毒|昏迷|病危",
        "danger_to_life",
        WEAK,
        FIXED,
    ),
    (
        r"拒收(?:病人|患者|病患|孩子|老人|产妇|孕妇)|(?:医院|卫生院|急诊|诊所)[^,。;]{0,8}(?:拒收|拒诊)(?![^,。;]{0,3}(?:医保|现金|卡|快递|件))"
        r"|拒绝(?:救治|抢救|收治|接诊)|见死不救|不(?:给|予|肯)(?:抢救|救治|收治|接诊|转院)|(?:正在|还在|急需|紧急)抢救"
        r"|救护车.{0,10}(?:没来|没到|不来|迟迟|还没)",
        "danger_to_life",
        URGENT,
        FIXED,
    ),
    # -- (d) mass action: urgent when planned or large (see _CROWD_RE, _PLAN_RE), attention otherwise
    (r"集体上访|集体到.{0,8}(?:上访|信访|请愿)|集体(?:去|到).{0,6}(?:政府|市委|省委)", "mass", URGENT, FIXED),
    (
        r"集体(?:去|到|前往|赴|找|上)(?!.{0,8}(?:参观|学习|旅游|培训|体检|考察|开会|就餐|活动))",
        "mass",
        ATTENTION,
        PLAN_ONLY,
    ),
    (
        r"(?<!拥)(?<!车)(?<!被)堵(?:路|马路|门|公路|国道|省道|高速|铁路|大门|政府|厂门|桥|路口)(?![段口])"
        r"|拦(?:路(?!虎)|省道|国道|高速|火车|公路)|卧(?:铁)?轨"
        r"|把[^,。;!?]{0,10}(?:路|大门|门|高速|路口|铁路)(?:给)?(?:堵|拦|封)(?:上|住|死)",
        "mass",
        ATTENTION,
        PLAN,
    ),
    (
        r"围堵|围攻|围(?:在|住)[^,。;]{0,8}(?:门口|门前|大门)|冲击(?:政府|机关)|堵(?:住|在).{0,6}政府|上街(?!摆|买|购|卖|走|出行)",
        "mass",
        ATTENTION,
        PLAN,
    ),
    (r"(?:拉|打|举|扯)(?:了|过|起)?横幅|(?:拉|打)标语", "mass", ATTENTION, PLAN),
    (
        r"静坐|请愿(?!书)|聚众(?!传销|赌博|吸毒)|罢工|罢运|罢课|罢市|全城停运|停工抗议",
        "mass",
        ATTENTION,
        PLAN,
    ),
    (
        r"聚集在.{0,8}(?:前|门|楼|政府|局|委|院|学校|工地|现场)|聚集.{0,10}(?:政府|门口|门前|讨|要求|抗议)"
        r"|(?:村民|群众|业主|职工|工人|家长|居民)聚集(?![的地区点])|约(?:着|好)?.{0,8}聚集",
        "mass",
        ATTENTION,
        PLAN,
    ),
    (r"(?:政府|市委|省委|县委|信访局)(?:大)?门(?:口|前)", "mass", ATTENTION, PLAN),
    (r"群体(?:性)?事件|群体上访|群访", "mass", ATTENTION, PLAN),
    (
        r"串联(?:上访|村民|群众|业主|工人|职工|其他)|(?:私下|暗中|四处|到处|互相|正在|在)串联|(?:拉|建)(?:了)?.{0,3}群.{0,12}(?:组织|号召|约|召集|去|到|维权)|(?:号召|召集|煽动|鼓动|发动)(?:大家|群众|村民|业主|工人|职工|家长|居民|更多人).{0,10}(?:去|到|上访|维权|聚集|堵)"
        r"|(?:组织|号召|召集)(?:大家|群众|村民|业主|工人|职工|家长|居民|人员|人)?(?:一起|集体)?(?:去|到)?(?:上访|聚集|维权|静坐|堵|闹)",
        "mass",
        ATTENTION,
        PLAN_ONLY,
    ),
    (r"(?:农民工|工人|民工|工友).{0,12}讨薪|讨薪.{0,8}(?:农民工|工人|民工|工友)", "mass", ATTENTION, PLAN),
    (r"讨薪|讨要(?:工资|薪水|工钱|血汗钱)|讨(?:了)?.{0,6}(?:工资|工钱)", "mass", ATTENTION, CROWD),
    (r"讨(?:个)?说法", "mass", WEAK, PLAN),
    (rf"{_GO}(?![了过底])[^,。;!?]{{0,4}}{_ORGAN}", "mass", ATTENTION, GROUP_ONLY),
    (r"游行|示威", "mass", WEAK, FIXED),
    # -- (e) leapfrog / irregular petitioning: attention, urgent with a date or a group
    (
        r"进京|赴京|北上(?:上访|告状|反映)|天安门|中南海|国家信访局|国信办|越级(?:上访|信访|反映|投诉|告状)|越过.{0,4}直接找|非正常上访"
        rf"|(?:{_GO}|上|赴|跑|闹|告|找)(?:到)?(?:北京|首都|中央|省里|省城|省会|省政府|省委|省信访局|省纪委|省领导){_PURPOSE_NOT_PETITION}"
        r"(?=[^,。;!?]{0,6}(?:上访|信访|反映|告|申诉|讨|找|闹|喊冤|请愿|说理)|[,。;!?]|$|去|了)",
        "leapfrog",
        ATTENTION,
        DATED,
    ),
    # -- escalation
    (
        r"过激(?:的|地)?(?:行为|方式|手段|举动|维权|行动|去|到)|走极端|极端(?:方式|手段)|激烈的?(?:冲突|对抗)|打砸|械斗|群情激愤",
        "escalation",
        ATTENTION,
        PLAN,
    ),
    (r"豁出(?:性命|去)|大动干戈|闹出人命|逼死", "escalation", ATTENTION, PLAN),
    (r"拼命|出人命|往死里|特警", "escalation", WEAK, FIXED),
    # -- (f) violence and abuse
    (
        r"持刀|持械|(?:拿|举|提|带)(?:着)?(?:刀|菜刀|砍刀|斧头|铁锹|棍子|棍棒|铁棍|钢管)|动刀",
        "violence",
        URGENT,
        FIXED,
    ),
    (
        r"(?:人身|生命)安全受到.{0,4}(?:威胁|危害)|严重(?:危及|威胁).{0,6}(?:生命|人身)|扣押(?:人|人员|我|他|她|村民|工人)|(?:村民|群众|工人|业主|老人|妇女|孩子)[^,。;]{0,3}被(?:扣押|打伤|打成|殴打|暴打|拘禁)|打伤|砍伤|捅伤|殴打|家暴|家庭暴力"
        r"|虐待|虐童|人身威胁|非法拘禁|限制(?:人身)?自由|不让(?:我们|我)?(?:走|离开)|打(?:成|得)(?:.{0,4})(?:骨折|重伤|残|住院|昏迷)"
        r"|砸(?:门|窗|玻璃)|性侵|强奸|猥亵|毁容",
        "violence",
        ATTENTION,
        FIXED,
    ),
    (r"人身安全|生命危险|危及.{0,6}生命|黑社会|黑恶势力|恐吓|砸伤|跟踪|打人", "violence", WEAK, FIXED),
    # -- (g) extreme distress
    (
        r"走投无路|无路可走|家破人亡|无家可归|无容身之所|无处(?:安身|容身)|流落街头|露宿|睡(?:在)?(?:大街|街头|街上|桥洞|车站|火车站|马路|路边)"
        r"|没饭吃|吃不上饭|饭都吃不(?:上|起)|吃不饱饭|揭不开锅|断粮|没米下锅|吃了上顿没下顿|饿(?:得|肚子)|冻得"
        r"|无钱(?:治疗|治病|医治|看病|买药)|没钱(?:治|看病|买药|吃饭|买米|买粮)|看不起病|(?:被迫|只能|只好)?停药|买米的钱|身无分文|分文(?:没有|全无)"
        r"|山穷水尽|穷途末路|只能[^,。;]{0,3}死在|等死|死路一条|救救我(?!村|们村|区|市|县)|无人送饭|没人送饭",
        "distress",
        ATTENTION,
        FIXED,
    ),
    (
        r"求助无门|投诉无门|申诉无门|上访无果|绝望|跪求|求求(?:你们|您|领导)|生存线|救命钱|借不到钱|负债累累|无人(?:照顾|照料)",
        "distress",
        WEAK,
        FIXED,
    ),
]
_COMPILED = [(re.compile(p), g, lv, up) for p, g, lv, up in _CUES]

# A crowd size or collective subject next to a mass cue makes it urgent.
_NUM = r"(?:\d{2,}|[一二三四五六七八九两几数上近]?[十百千万][一二三四五六七八九几]?|好几[十百千])"
_CROWD_RE = re.compile(
    rf"{_NUM}(?:多|来|余)?(?:个(?!月|小时|工作日|季度|平方|点|百分|多月)|名|位|户|家(?!长)|人|号(?=人|工人|村民))"
    r"|(?:上|几|数|近|好几)(?:百|千|万)(?:人|名|户|位|多人|多名|多户)?|群情激愤"
    r"|(?:更多的?|多位|多名|众多|大批|一大?(?:群|帮|伙|批))(?:业主|村民|群众|工人|职工|家长|居民|人)"
    r"|全(?:体|村|组|屯|厂|校|城)|整个?(?:小区|村|厂)|所有的?(?:业主|村民|工人|职工|员工|住户|家长|居民|受害人|投资人)"
    r"|(?:业主|村民|工人|职工|家长|群众|居民|工友|老兵|股民|投资人|受害人|司机|商户|摊贩|住户|员工)们"
    r"|大批|大量(?:业主|村民|群众|工人)|(?:组织|联合|发动|带领)(?:了)?.{0,6}(?:村民|群众|业主|工人|职工|家长|居民|大家)"
    r"|大家(?:一起|都|准备|打算|商量|约)"
)
# A plan or ultimatum marker: the action lies ahead.
_DATE = (
    r"今天|今晚|明天|明早|后天|本周|这周|下周|下个?月|(?<!上)周[一二三四五六日末]|星期[一二三四五六日天]|月底|两会|国庆|春节|元旦"
    r"|节前|节后|假后|开学|(?:车|机|火车)票"
)
_PLAN_RE = re.compile(
    r"将会?|准备|打算|计划|决定|即将|否则|不然|要去|要到|如果.{0,20}(?:不|没)|若.{0,12}(?:不|没)|的话|再不|就(?:去|要|到|把)"
    rf"|约(?:好|定|着)|商量|号召|报名|马上|立即|返回|{_DATE}"
)
_DATE_RE = re.compile(_DATE)
# People at the place of a hazard.
_PEOPLE_RE = re.compile(
    r"住着|住在|住人|有人|还在|里面|老人|孩子|学生|小学|幼儿园|居民|行人|[几数十百]+户|一家"
)
_NEGATION_RE = re.compile(
    r"(?:不存在|否认|没有|没|不会|不要|不想|不愿|不能|不敢|未曾|未|并未|并非|不是|绝不|别|无需|不再|从不|不曾|避免)[^，。！？；,.!?;]{0,4}$"
)
_HYPOTHETICAL_RE = re.compile(
    r"(?:一旦|万一|如果|假如|若是|倘若|可能|难道|担心|恐怕|以免|防止|避免)[^。！？；.!?;]{0,12}$"
)
# Prevention talk ("防止发生火灾", "预防学生轻生") is advice, not an event: not counted.
_PREVENTION_RE = re.compile(
    r"(?:防止|避免|以免|预防|杜绝|防范|谨防|警惕|排查|消除|整治)[^，。！？；,.!?;]{0,8}$"
)
_CLAUSE_END = re.compile(r"[。！？；!?;\n]")

CONTEXT = 30  # characters around a mass cue searched for crowd / plan markers


@dataclass(frozen=True)
class CueHit:
    cue: str
    group: str
    level: str
    start: int
    negated: bool = False
    hypothetical: bool = False


@dataclass
class UrgencyResult:
    level: str
    score: float
    cues: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    hits: list[CueHit] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return self.level != NONE

    def to_dict(self) -> dict[str, object]:
        return {
            "level": self.level,
            "score": round(self.score, 3),
            "cues": list(self.cues),
            "reasons": list(self.reasons),
        }


def _clause_before(text: str, start: int, width: int) -> str:
    before = text[max(0, start - width) : start]
    parts = _CLAUSE_END.split(before)
    return parts[-1] if parts else before


_THREAT_GAP = re.compile(r"[就便则才要我他她]")


def _is_negated(before: str) -> bool:
    """A negation right before the cue ("没有自杀", "不想拉横幅") — but not a threat whose
    condition is negative ("不解决我就跳楼": a 就/便/则 or a subject sits in between)."""
    m = _NEGATION_RE.search(before)
    if not m:
        return False
    gap = before[m.end() - len(before) :] if m.end() < len(before) else ""
    neg_end = re.search(
        r"(?:没有|没|不会|不要|不想|不愿|不能|不敢|未曾|未|并未|并非|不是|绝不|别|无需|不再|从不|不曾|避免)",
        before[m.start() :],
    )
    if neg_end is not None:
        gap = before[m.start() + neg_end.end() :]
    return not _THREAT_GAP.search(gap)


def _window(text: str, start: int, end: int) -> str:
    """The cue's clause and its neighbours, at most CONTEXT characters each side."""
    return text[max(0, start - CONTEXT) : end + CONTEXT]


def _separate(hits: Iterable[CueHit]) -> int:
    """How many of the hits do not overlap an earlier one ("随时可能倒塌" holds "倒塌")."""
    count, end = 0, -1
    for h in sorted(hits, key=lambda h: h.start):
        if h.start >= end:
            count += 1
        end = max(end, h.start + len(h.cue))
    return count


def detect_urgency(title: str, body: str = "") -> UrgencyResult:
    """Level (none / attention / urgent), matched cues and Chinese reasons for one petition."""
    text = normalize(f"{title}。{body}")
    hits: list[CueHit] = []
    for pattern, group, level, upgrade in _COMPILED:
        for m in pattern.finditer(text):
            before = _clause_before(text, m.start(), 12)
            negated = _is_negated(before[-8:]) or bool(_PREVENTION_RE.search(before))
            hypothetical = bool(_HYPOTHETICAL_RE.search(before))
            around = _window(text, m.start(), m.end())
            crowd = bool(_CROWD_RE.search(around))
            lv = level
            # "去派出所报案", "五十多名业主代表到了区执法局反映" are ordinary petitioning;
            # "几十个工人明天要去市政府" is a planned gathering.
            if upgrade == GROUP_ONLY and not (
                crowd and _PLAN_RE.search(_clause_before(text, m.start(), CONTEXT))
            ):
                continue
            if level == WEAK and not negated and crowd and group != "danger_to_life":
                lv = ATTENTION  # "数千居民…跪求", "几百人…拼命": a weak cue with a crowd counts
                if upgrade == PLAN and _PLAN_RE.search(_clause_before(text, m.start(), CONTEXT) + m.group(0)):
                    lv = URGENT  # "几十名业主准备去讨说法"
            elif level == ATTENTION and not negated and upgrade:
                ahead = _clause_before(text, m.start(), CONTEXT) + m.group(0) + text[m.end() : m.end() + 12]
                if (
                    (crowd and upgrade in (PLAN, CROWD, DATED, GROUP_ONLY))
                    or (upgrade in (PLAN, PLAN_ONLY) and _PLAN_RE.search(ahead))
                    or (upgrade == DATED and _DATE_RE.search(around))
                    or (upgrade == PEOPLE and _PEOPLE_RE.search(around))
                ):
                    lv = URGENT
            if group == "danger_to_life" and hypothetical and not negated and lv == URGENT:
                # "万一…危及生命" — worth a look, not an alarm. Self-harm threats are usually
                # conditional ("如果不解决我就跳楼"), so they are never downgraded.
                lv = ATTENTION
            hits.append(CueHit(m.group(0), group, lv, m.start(), negated, hypothetical))
    hits.sort(key=lambda h: h.start)
    live = [h for h in hits if not h.negated]
    level = NONE
    for h in live:
        if _RANK[h.level] > _RANK[level]:
            level = h.level
    # weak hazard words ("倒塌", "被困电梯") are everyday safety complaints: they never pair up
    weak = {h.cue for h in live if h.level == WEAK and h.group != "danger_to_life"}
    if level == NONE and len(weak) >= 2:
        level = ATTENTION
    # A gathering together with violence or escalation is a mass incident; three different
    # kinds of signal together (distress + escalation + violence …) add up as well.
    groups = {h.group for h in live if h.level == ATTENTION}
    if level == ATTENTION and (
        {"mass", "escalation"} <= groups
        or {"mass", "violence"} <= groups
        or {"threat", "violence"} <= groups
        or {"escalation", "violence"} <= groups
        or ("self_harm" in groups and (len(groups) >= 2 or weak))
        or _separate(
            h for h in live if h.group == "danger_to_life" and h.level == ATTENTION and not h.hypothetical
        )
        >= 2
        or len(groups) >= 3
    ):
        level = URGENT
    weights = {URGENT: 0.6, ATTENTION: 0.3, WEAK: 0.1}
    score = min(1.0, sum(weights[h.level] for h in live))
    cues: list[str] = []
    reasons: list[str] = []
    for h in live:
        if h.cue not in cues:
            cues.append(h.cue)
            suffix = {URGENT: "（紧急）", WEAK: "（弱）"}.get(h.level, "")
            reasons.append(f"{GROUP_LABELS[h.group]}：“{h.cue}”{suffix}")
    for h in hits:
        if h.negated:
            reasons.append(f"已否定，不计入：“{h.cue}”")
    if level == URGENT:
        reasons.insert(0, "可能属重大、紧急信访事项，请立即核实并按条例第二十五条报告")
    return UrgencyResult(
        level=level, score=score if level != NONE else 0.0, cues=cues[:12], reasons=reasons[:12], hits=hits
    )
