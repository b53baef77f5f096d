"""Tests of the pure petition classifier (minsheng.intelligence.nlp.classify*)."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from minsheng.intelligence.nlp.classify import (
    DEFAULT_MODEL_PATH,
    Classifier,
    Prediction,
    active_model_path,
    evaluate,
    load_active,
    load_default,
    metrics,
    read_rows,
    split_unlabelled,
    train_from_csv,
)
from minsheng.intelligence.nlp.classify_nature import (
    ACCUSATION,
    GRIEVANCE,
    LITIGATION,
    SUGGESTION,
    predict_nature,
)
from minsheng.intelligence.nlp.distant import reply_evidence, reply_label
from minsheng.intelligence.nlp.features import FeatureConfig, KeywordSpace, TfidfSpace, char_ngrams, clean

TIPDM = Path(__file__).resolve().parents[2] / "core" / "data" / "tipdm"

# a tiny, deterministic, well separated training set
TRAIN = [
    ("学校乱收费", "小学向学生收取补课费和资料费", "教育文体"),
    ("教师工资拖欠", "乡村学校教师的绩效工资一直没有发放", "教育文体"),
    ("学生入学难", "孩子就近入学被学校拒绝，教育局不管", "教育文体"),
    ("中学暑假补课", "学校暑假强制补课收费", "教育文体"),
    ("化工厂排放废气", "工厂夜间偷排废气，气味刺鼻，污染严重", "环境保护"),
    ("河道污水直排", "养殖场污水直接排入河里，水质污染", "环境保护"),
    ("工地噪音污染", "搅拌站噪音和粉尘污染严重影响居民", "环境保护"),
    ("垃圾焚烧污染空气", "露天焚烧垃圾，黑烟污染大气环境", "环境保护"),
    ("公交线路太少", "公交车班次太少，希望增开公交线路", "交通运输"),
    ("出租车拒载", "出租车司机拒载乘客还乱收费", "交通运输"),
    ("道路客运班车超载", "客运班车超载，运输安全隐患", "交通运输"),
    ("快递网点乱收费", "快递公司取件二次收费，邮政管理部门不管", "交通运输"),
]
TITLES = [t for t, _, _ in TRAIN]
BODIES = [b for _, b, _ in TRAIN]
LABELS = [y for _, _, y in TRAIN]


@pytest.fixture(scope="module")
def tiny() -> Classifier:
    clf = Classifier(use_taxonomy=False)
    return clf.fit(TITLES, BODIES, LABELS)


def test_char_ngrams_and_clean() -> None:
    assert clean("Ａ3区 ９号") == "0区 0号"
    grams = char_ngrams("学校收费", 1, 2)
    assert grams == ["学", "校", "收", "费", "学校", "校收", "收费"]
    assert "a b" not in char_ngrams("a b", 1, 3)


def test_tfidf_space_rows_are_unit_length() -> None:
    space = TfidfSpace().fit([["a", "b"], ["b", "c", "c"]])
    X = space.transform([["a", "b", "zzz"], ["c", "c", "c"], []])
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    assert norms[0] == pytest.approx(1.0)
    assert norms[1] == pytest.approx(1.0)
    assert norms[2] == 0.0
    assert X.shape == (3, 3)


def test_fit_predict_tiny(tiny: Classifier) -> None:
    p = tiny.predict("小学乱收费", "学校收取补课费")
    assert isinstance(p, Prediction)
    assert p.label == "教育文体"
    assert 0.0 < p.confidence <= 1.0
    assert p.top[0][0] == p.label
    assert sum(prob for _, prob in tiny.predict("x", "y", n_top=10).top) == pytest.approx(1.0, abs=1e-6)
    assert p.explanation and all(isinstance(t, str) and t for t in p.explanation)
    assert tiny.predict("化工厂偷排废气", "").label == "环境保护"
    assert tiny.predict("希望增开公交线路", "").label == "交通运输"


def test_predict_many_matches_single(tiny: Classifier) -> None:
    titles = ["工厂排放污水", "教师工资", "出租车"]
    labels = tiny.predict_labels(titles, ["", "", ""])
    assert labels == [tiny.predict(t, "").label for t in titles]


def test_fit_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        Classifier().fit(["a"], ["b"], [])
    with pytest.raises(ValueError):
        Classifier().fit([], [], [])
    with pytest.raises(RuntimeError):
        Classifier().predict("a", "b")


def test_save_load_round_trip(tiny: Classifier, tmp_path: Path) -> None:
    path = tiny.save(tmp_path / "m" / "classifier.npz")
    again = Classifier.load(path)
    assert again.labels == tiny.labels
    tests = [("学校补课收费", ""), ("污水排入河道", "气味很大"), ("公交车太挤", "")]
    for t, b in tests:
        a, c = tiny.predict(t, b), again.predict(t, b)
        assert a.label == c.label
        # coefficients are stored as float16: confidences agree closely, not bit for bit
        assert a.confidence == pytest.approx(c.confidence, abs=0.02)


def test_load_rejects_garbage(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    with pytest.raises(ValueError):
        Classifier.load(bad)


def test_self_training_uses_confident_unlabelled() -> None:
    clf = Classifier(use_taxonomy=False, self_training_threshold=0.0, self_training_weight=0.5)
    clf.fit(TITLES, BODIES, LABELS, ["学校收费太高", "工厂偷排污水"], ["补课费", "污染"], calibrate=False)
    assert clf.info.n_unlabelled_used == 2
    assert clf.predict("学校补课费", "").label == "教育文体"


def test_metrics_and_evaluate_shape(tiny: Classifier) -> None:
    rows = [{"留言主题": t, "留言详情": b, "一级分类": y} for t, b, y in TRAIN]
    res = evaluate(tiny, rows)
    assert set(res) >= {"macro_f1", "accuracy", "n", "per_class", "labels", "confusion_matrix"}
    assert res["n"] == len(rows)
    assert res["accuracy"] == 1.0 and res["macro_f1"] == 1.0
    assert set(res["per_class"]["教育文体"]) == {"precision", "recall", "f1", "support"}
    k = len(res["labels"])
    assert len(res["confusion_matrix"]) == k and all(len(r) == k for r in res["confusion_matrix"])

    m = metrics(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert m["accuracy"] == 0.75
    assert m["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert m["per_class"]["b"]["precision"] == pytest.approx(0.6667, abs=1e-4)
    assert m["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2, abs=1e-4)
    assert m["confusion_matrix"] == [[1, 1], [0, 2]]


def test_read_rows(tmp_path: Path) -> None:
    good = tmp_path / "good.csv.gz"
    with gzip.open(good, "wt", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["留言编号", "留言主题", "留言详情", "一级分类"])
        w.writerow(["1", "标题", "正文", "教育文体"])
        w.writerow(["2", "无标签", "正文", ""])
    assert read_rows(good) == [{"留言主题": "标题", "留言详情": "正文", "一级分类": "教育文体"}]
    assert len(read_rows(good, require_label=False)) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing column"):
        read_rows(bad)
    with pytest.raises(FileNotFoundError):
        read_rows(tmp_path / "nope.csv")


def test_read_rows_takes_the_tipdm_release_header(tmp_path: Path) -> None:
    """The TipDM release names the label 一级标签; spreadsheets leave blanks around header names."""
    path = tmp_path / "tipdm.tsv"
    path.write_text("留言编号\t留言主题 \t 留言详情\t一级标签\n1\t标题\t正文\t教育文体\n", encoding="utf-8")
    assert read_rows(path) == [{"留言主题": "标题", "留言详情": "正文", "一级分类": "教育文体"}]


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("gb18030", ","), ("utf-8-sig", ","), ("utf-8", "\t"), ("gbk", ";")]
)
def test_read_rows_accepts_spreadsheet_exports(tmp_path: Path, encoding: str, delimiter: str) -> None:
    path = tmp_path / "export.csv"
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(["留言主题", "留言详情", "一级分类"])
        w.writerow(["学校乱收费", "某小学要求学生交补课费，每人五百元", "教育文体"])
    assert read_rows(path) == [
        {"留言主题": "学校乱收费", "留言详情": "某小学要求学生交补课费，每人五百元", "一级分类": "教育文体"}
    ]


def test_shipped_default_model_predicts_obvious_cases() -> None:
    clf = load_default()
    assert DEFAULT_MODEL_PATH.stat().st_size < 5_000_000
    assert len(clf.labels) == 7
    cases = [
        ("A市某小学乱收费", "学校要求每个学生交补课费和资料费", "教育文体"),
        ("公司拖欠工资不交社保", "公司拖欠我们三个月工资，也不给我们交养老保险", "劳动和社会保障"),
        ("化工厂偷排废气", "工厂每天晚上偷排废气，臭味刺鼻，污染环境", "环境保护"),
        ("县人民医院医疗事故", "医生误诊导致病人病情加重，医院推卸责任", "卫生计生"),
        ("小区物业乱收停车费", "物业公司违规收取停车费，小区业主不满", "城乡建设"),
        ("景区门票乱涨价", "旅游景区门票价格上涨，游客被宰", "商贸旅游"),
        ("出租车拒载绕路", "出租车司机拒载，还绕路多收车费，请运管部门管一管", "交通运输"),
    ]
    for title, body, expected in cases:
        p = clf.predict(title, body)
        assert p.label == expected, (title, p)
    assert load_default() is clf  # cached


def test_shipped_default_on_training_data_is_sane() -> None:
    rows = read_rows(TIPDM / "messages_labeled.csv.gz")[:150]
    res = evaluate(load_default(), rows)
    assert res["n"] == 150
    assert res["accuracy"] > 0.9  # seen in training: a sanity check, not a quality claim


def test_active_model_prefers_deployment_model(tiny: Classifier, tmp_path: Path) -> None:
    assert active_model_path(tmp_path) == DEFAULT_MODEL_PATH
    assert active_model_path(None) == DEFAULT_MODEL_PATH
    tiny.save(tmp_path / "classifier.npz")
    assert active_model_path(tmp_path) == tmp_path / "classifier.npz"
    assert load_active(tmp_path).labels == tiny.labels


def test_feature_config_round_trip() -> None:
    cfg = FeatureConfig(char_max=2, title_weight=2.0)
    assert FeatureConfig.from_dict({**cfg.to_dict(), "unknown": 1}) == cfg


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("实名举报某村支书贪污扶贫款", "村支书挪用扶贫资金", ACCUSATION),
        ("建议增开夜间公交线路", "希望公交公司增开夜班车", SUGGESTION),
        ("公司拖欠工资请求解决", "我们的工资被拖欠半年", GRIEVANCE),
        ("法院判决后迟迟不执行", "一审判决已生效，申请强制执行一年没有结果", LITIGATION),
        ("", "", GRIEVANCE),
    ],
)
def test_predict_nature(title: str, body: str, expected: str) -> None:
    n = predict_nature(title, body)
    assert n.label == expected
    assert 0.0 < n.confidence <= 1.0
    assert n.reasons


def test_nature_reasons_name_matched_terms() -> None:
    n = predict_nature("举报某局长受贿", "")
    assert any(r.startswith("title:") and "举报" in r for r in n.reasons)
    assert n.to_dict()["label_zh"] == "检举控告类"


def test_keyword_space_counts_taxonomy_names() -> None:
    rows = [("商贸旅游", "市场监管", "物价"), ("商贸旅游", "市场监管", "传销"), ("交通运输", "邮政", "快递")]
    kw = KeywordSpace.from_taxonomy(rows, stop=frozenset({"其他"}))
    assert kw.groups == ["交通运输/邮政", "商贸旅游/市场监管"]
    X = kw.transform([clean("举报传销窝点，传销人员众多"), clean("快递丢件"), "无关内容"]).toarray()
    assert X.shape == (3, 2)
    assert X[0, 1] == pytest.approx(1.0) and X[0, 0] == 0.0
    assert X[1, 0] == pytest.approx(1.0)
    assert not X[2].any()


def test_keyword_block_is_part_of_the_features_and_survives_save(tiny: Classifier, tmp_path: Path) -> None:
    assert tiny.model == "ensemble"
    assert tiny.extractor.use_keywords
    assert tiny.extractor.n_features == tiny.extractor.n_text_features + len(tiny.extractor.keywords or [])
    again = Classifier.load(tiny.save(tmp_path / "classifier.npz"))
    assert again.extractor.keywords == tiny.extractor.keywords
    assert again.extractor.n_features == tiny.extractor.n_features
    # keyword-block columns are never offered as explanation terms
    assert not any(t.startswith("[") for t in tiny.predict("快递乱收费", "邮政管理").explanation)


def test_ridge_svm_model_and_version_1_files_still_load(tmp_path: Path) -> None:
    old = Classifier(model="ridge_svm", use_taxonomy=False, features=FeatureConfig(keyword_weight=0.0))
    old.fit(TITLES, BODIES, LABELS)
    path = old.save(tmp_path / "v1.npz")
    # rewrite the header as a version-1 file (no model type, no keyword settings)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    header = json.loads(bytes(arrays["header"]).decode("utf-8"))
    header["version"] = 1
    del header["params"]["model"], header["params"]["nbsvm_c"], header["params"]["nb_alpha"]
    del header["features"]["keyword_weight"]
    arrays["header"] = np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]
    loaded = Classifier.load(path)
    assert loaded.model == "ridge_svm"
    assert not loaded.extractor.use_keywords
    assert loaded.predict("污水排入河道", "").label == old.predict("污水排入河道", "").label == "环境保护"


def test_unknown_model_is_rejected() -> None:
    with pytest.raises(ValueError):
        Classifier(model="forest")


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("经调查，区住房和城乡建设局已要求业委会依法召开业主大会。", "城乡建设"),
        ("您反映的问题已转交县住建局处理。", "城乡建设"),
        ("感谢您对C市教育的关心！ C市教育局 2014年4月8日", "教育文体"),
        ("已转市人社局，由劳动保障监察支队调查。", "劳动和社会保障"),
        ("A7县环境保护局 2014年2月26日", "环境保护"),
        ("市卫健委已责成医院整改。", "卫生计生"),
        ("区市场监督管理局对该药房进行了检查。", "商贸旅游"),
        ("市交通运输局已协调增开班次。", "交通运输"),
        # two in-scope departments: ambiguous
        ("县教育局会同县卫健委进行了调查。", None),
        # an out-of-scope department vetoes the label
        ("县教育局按程序实施，县纪委全程监督。", None),
        ("派出所已出警，区城管局配合处理。", None),
        # no department named
        ("网友：您好！留言已收悉", None),
        ("", None),
    ],
)
def test_reply_label_rules(reply: str, expected: str | None) -> None:
    assert reply_label(reply) == expected


def test_reply_label_is_restricted_to_known_labels() -> None:
    reply = "县教育局 2019年5月31日"
    assert reply_label(reply, labels=["城乡建设", "环境保护"]) is None
    ev = reply_evidence("县教育局会同县卫健委进行了调查。", labels=["教育文体"])
    assert ev.label == "教育文体" and ev.by_label == {"教育文体": ["教育局"]}


def test_split_unlabelled_drops_duplicates_and_labels_replies() -> None:
    labelled = [{"留言主题": "学校乱收费", "留言详情": "小学收补课费", "一级分类": "教育文体"}]
    unlabelled = [
        {"留言主题": "学校乱收费", "留言详情": "别的正文", "答复意见": "县教育局"},  # same title
        {"留言主题": "补课", "留言详情": "小学收补课费", "答复意见": "县教育局"},  # same body start
        {"留言主题": "中学补课", "留言详情": "暑假补课", "答复意见": "县教育局已责令停止"},
        {"留言主题": "污水", "留言详情": "工厂排污", "答复意见": "县环保局已查处"},  # unknown label
        {"留言主题": "噪音", "留言详情": "夜间施工", "答复意见": ""},
        {"留言主题": "路灯", "留言详情": "不亮"},
    ]
    (wt, wb, wl), (pt, pb) = split_unlabelled(labelled, unlabelled)
    assert wt == ["中学补课", "污水"] and wb == ["暑假补课", "工厂排污"]
    assert wl == ["教育文体", None]
    assert pt == ["噪音", "路灯"] and pb == ["夜间施工", "不亮"]


def test_weak_labels_join_training_with_their_weight() -> None:
    weak_t = ["中学补课收费", "公交车少", "快递丢件", "无关"]
    weak_b = ["学校暑假补课", "增开公交", "邮政快递", "内容"]
    weak_y = ["教育文体", "交通运输", "民政", None]  # unknown class and None are skipped
    plain = Classifier(use_taxonomy=False).fit(TITLES, BODIES, LABELS, calibrate=False)
    weak = Classifier(use_taxonomy=False).fit(
        TITLES, BODIES, LABELS, calibrate=False, weak_title=weak_t, weak_body=weak_b, weak_labels=weak_y
    )
    assert weak.info.n_weak == 2 and plain.info.n_weak == 0
    # the vocabulary comes from the labelled rows only: same features, different weights
    assert weak.extractor.n_features == plain.extractor.n_features
    assert not np.allclose(weak.coef, plain.coef)
    assert weak.predict("学校补课", "").label == "教育文体"
    off = Classifier(use_taxonomy=False, weak_weight=0.0).fit(
        TITLES, BODIES, LABELS, calibrate=False, weak_title=weak_t, weak_body=weak_b, weak_labels=weak_y
    )
    assert off.info.n_weak == 0
    np.testing.assert_allclose(off.coef, plain.coef)
    with pytest.raises(ValueError):
        Classifier().fit(TITLES, BODIES, LABELS, weak_title=["a"], weak_body=[], weak_labels=["教育文体"])


def test_single_models_remain_available() -> None:
    for model in ("nbsvm", "ridge_svm"):
        clf = Classifier(model=model, use_taxonomy=False).fit(TITLES, BODIES, LABELS, calibrate=False)
        assert clf.predict("化工厂偷排废气", "").label == "环境保护"


def test_train_from_csv_uses_replies(tmp_path: Path) -> None:
    data = tmp_path / "labelled.csv"
    with open(data, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["留言主题", "留言详情", "一级分类"])
        w.writerows(TRAIN)
    unl = tmp_path / "replies.csv"
    with open(unl, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["留言编号", "留言主题", "留言详情", "答复意见"])
        w.writerow(["1", "学校收取资料费", "初中收资料费", "县教育局已责令退还。"])
        w.writerow(["2", "出租车绕路", "司机绕路", "市交通运输局运管处已处罚。"])
        w.writerow(["3", "路灯不亮", "小区路灯坏了", "网友：您好！留言已收悉"])
    clf = train_from_csv(data, unl, tmp_path / "m.npz", use_taxonomy=False)
    assert clf.info.n_weak == 2
    again = Classifier.load(tmp_path / "m.npz")
    assert again.model == "ensemble" and again.weak_weight == clf.weak_weight
    assert again.predict("学校收资料费", "").label == "教育文体"


def test_shipped_model_learned_from_replies() -> None:
    clf = load_default()
    assert clf.model == "ensemble"
    assert clf.info.n_weak > 500  # about 700 of the 2,816 replied messages name one department
