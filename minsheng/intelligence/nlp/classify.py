"""Level-1 category classification of petitions (pure: no Django).

Features: three TF-IDF spaces (character 1-3-grams of title+body, jieba words of
title+body, character 1-2-grams of the title) plus a keyword-evidence block built from the
category taxonomy (see :mod:`.features`).

Model (``model="ensemble"``, the default): the average of three linear models over those
features, each scaled to a mean absolute decision value of 1:

* an NB-SVM (Wang & Manning 2012): per class a class-balanced one-vs-rest linear SVM
  trained on the features scaled by the class's naive-Bayes log-count ratios,
* a ridge + linear SVM average,
* a second NB-SVM that also learns from *weakly labelled* messages: messages whose
  official reply names the department that handled them (:mod:`.distant`), with a small
  weight (``weak_weight``).

Averaged linear models are one linear weight matrix: the explanation of a prediction is
the list of terms with the largest ``tfidf * weight`` for the chosen class, and prediction
costs the same as for a single model. ``model="nbsvm"`` / ``"ridge_svm"`` give the single
models of earlier versions. Confidence is a softmax over the decision values with a
temperature fitted on out-of-fold decisions (so 0.8 means "right about 80 % of the time"
on data like the training data).

Optionally the model self-trains on unlabelled messages: messages it classifies with
high confidence are added with a small weight (see :meth:`Classifier.fit`); off by
default (it did not help in cross-validation).

A trained model is stored as one compressed ``.npz`` (arrays + a JSON header), not a
pickle. The shipped default lives in ``minsheng/intelligence/data/classifier.npz``.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from minsheng.core.tabular import dict_reader, read_text

from .classify_nature import NaturePrediction, predict_nature
from .features import SPACE_NAMES, FeatureConfig, FeatureExtractor, KeywordSpace, TfidfSpace

__all__ = [
    "DEFAULT_MODEL_PATH",
    "MODEL_FILENAME",
    "Classifier",
    "NaturePrediction",
    "Prediction",
    "evaluate",
    "load_active",
    "load_default",
    "predict_nature",
    "read_rows",
    "split_unlabelled",
    "train_from_csv",
]

FORMAT_VERSION = 2  # 2: keyword block + model type; version-1 files still load
_READABLE_VERSIONS = (1, 2)
MODELS = ("ensemble", "nbsvm", "ridge_svm")
#: generic taxonomy words that are no evidence for any category
KEYWORD_STOP = frozenset({"其他", "管理", "问题", "服务", "建设", "工作", "综合"})
MODEL_FILENAME = "classifier.npz"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_MODEL_PATH = DATA_DIR / MODEL_FILENAME
#: the 3-level category tree (一级/二级/三级分类) vendored with the TIPDM data
TAXONOMY_PATH = Path(__file__).resolve().parents[2] / "core" / "data" / "tipdm" / "taxonomy.csv.gz"

TITLE_COL = "留言主题"
BODY_COL = "留言详情"
LABEL_COL = "一级分类"
REPLY_COL = "答复意见"
#: accepted alternative column names (English exports)
_ALIASES = {
    TITLE_COL: ("title",),
    BODY_COL: ("body", "content"),
    LABEL_COL: ("一级标签", "label", "category"),  # 一级标签: the TipDM release names it so
    REPLY_COL: ("reply",),
}


#: Calibrated confidence below which the category suggestion is "unsure" and a person decides:
#: in 5-fold CV (docs/intelligence-classification.md, "Unsure") 80 % of the messages reach it and
#: are right 95 % of the time (macro-F1 0.945); the other 20 % are right 68 % of the time.
UNSURE_BELOW = 0.8


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    top: list[tuple[str, float]]
    explanation: list[str]

    @property
    def unsure(self) -> bool:
        """Below ``UNSURE_BELOW`` a person chooses the category (the suggestion is shown as unsure)."""
        return self.confidence < UNSURE_BELOW

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "unsure": self.unsure,
            "top": [[lab, round(p, 4)] for lab, p in self.top],
            "explanation": list(self.explanation),
        }


@dataclass
class TrainingInfo:
    n_labelled: int = 0
    n_unlabelled_used: int = 0
    seconds: float = 0.0
    temperature: float = 1.0
    n_weak: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / max(temperature, 1e-6)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return out


def _fit_temperature(scores: np.ndarray, y_idx: np.ndarray) -> float:
    """Temperature minimising the negative log-likelihood of out-of-fold decisions."""
    best_t, best_nll = 1.0, math.inf
    for t in np.geomspace(0.01, 2.0, 60):
        p = _softmax(scores, float(t))
        nll = -float(np.mean(np.log(p[np.arange(len(y_idx)), y_idx] + 1e-12)))
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t


class Classifier:
    """Linear TF-IDF ensemble classifier for petition categories."""

    def __init__(
        self,
        features: FeatureConfig | None = None,
        ridge_alpha: float = 1.0,
        svm_c: float = 0.3,
        svm_weight: float = 0.5,
        self_training_threshold: float = 0.9,
        self_training_weight: float = 0.0,
        use_taxonomy: bool = True,
        random_state: int = 0,
        model: str = "ensemble",
        nbsvm_c: float = 1.0,
        nb_alpha: float = 1.0,
        weak_weight: float = 0.3,
        ensemble_ridge: bool = True,
    ) -> None:
        if model not in MODELS:
            raise ValueError(f"unknown model {model!r} (choose from {', '.join(MODELS)})")
        self.feature_config = features or FeatureConfig()
        self.model = model
        self.nbsvm_c = nbsvm_c
        self.nb_alpha = nb_alpha
        self.ridge_alpha = ridge_alpha
        self.svm_c = svm_c
        self.svm_weight = svm_weight
        self.self_training_threshold = self_training_threshold
        self.self_training_weight = self_training_weight
        self.use_taxonomy = use_taxonomy
        self.weak_weight = weak_weight
        self.ensemble_ridge = ensemble_ridge
        self.random_state = random_state
        self.extractor = FeatureExtractor(self.feature_config)
        self.labels: list[str] = []
        self.coef = np.zeros((0, 0))
        self.intercept = np.zeros(0)
        self.temperature = 1.0
        self.info = TrainingInfo()

    # ------------------------------------------------------------------ training
    def _fit_linear(
        self,
        X: sparse.csr_matrix,
        y_idx: np.ndarray,
        sample_weight: np.ndarray | None = None,
        weak_mask: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        if self.model == "ensemble":
            return self._fit_ensemble(X, y_idx, sample_weight, weak_mask)
        if self.model == "nbsvm":
            return self._fit_nbsvm(X, y_idx, sample_weight)
        return self._fit_ridge_svm(X, y_idx, sample_weight)

    def _fit_ensemble(
        self,
        X: sparse.csr_matrix,
        y_idx: np.ndarray,
        sample_weight: np.ndarray | None = None,
        weak_mask: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Average of three linear models over the same features, each scaled to a mean
        absolute decision value of 1 on the non-weak rows: NB-SVM and ridge + SVM trained
        without the weakly labelled rows, and NB-SVM trained with them (``weak_mask`` rows,
        already down-weighted in ``sample_weight``). Without weak rows the third member is
        left out. The average of linear models is one linear model (one weight matrix)."""
        strong = np.ones(len(y_idx), dtype=bool) if weak_mask is None else ~weak_mask
        Xs, ys = X[strong], y_idx[strong]
        ws = sample_weight[strong] if sample_weight is not None else None
        members = [self._fit_nbsvm(Xs, ys, ws)]
        if self.ensemble_ridge:
            members.append(self._fit_ridge_svm(Xs, ys, ws))
        if not strong.all():
            members.append(self._fit_nbsvm(X, y_idx, sample_weight))
        coef = np.zeros((len(self.labels), X.shape[1]))
        intercept = np.zeros(len(self.labels))
        for c, b in members:
            scale = float(np.abs(np.asarray(Xs @ c.T) + b).mean()) or 1.0
            coef += c / (scale * len(members))
            intercept += b / (scale * len(members))
        return coef, intercept

    def _fit_nbsvm(
        self, X: sparse.csr_matrix, y_idx: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """NB-SVM: per class, r = log-ratio of smoothed (sample-weighted) presence counts in
        the class vs. the rest; a balanced binary linear SVM on ``X * r``; weight ``w * r``."""
        from sklearn.svm import LinearSVC

        n_classes = len(self.labels)
        coef = np.zeros((n_classes, X.shape[1]))
        intercept = np.full(n_classes, -1.0)
        present = np.unique(y_idx)
        if len(present) < 2:
            intercept[present] = 1.0
            return coef, intercept
        sw = np.ones(len(y_idx)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        Xb = X.copy()
        Xb.data[:] = 1.0
        Xb = sparse.diags(sw) @ Xb
        total = np.asarray(Xb.sum(axis=0)).ravel()
        for k in present:
            pos = y_idx == k
            p = self.nb_alpha + np.asarray(Xb[pos].sum(axis=0)).ravel()
            q = self.nb_alpha + (total - (p - self.nb_alpha))
            r = np.log(p / p.sum()) - np.log(q / q.sum())
            n_pos, n = float(pos.sum()), float(len(y_idx))
            w = sw * np.where(pos, n / (2 * n_pos), n / (2 * (n - n_pos)))
            svm = LinearSVC(C=self.nbsvm_c, max_iter=5000, random_state=self.random_state)
            svm.fit(X @ sparse.diags(r), pos.astype(np.int64), sample_weight=w)
            coef[k] = svm.coef_[0] * r
            intercept[k] = svm.intercept_[0]
        return coef, intercept

    def _fit_ridge_svm(
        self, X: sparse.csr_matrix, y_idx: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        from sklearn.linear_model import RidgeClassifier
        from sklearn.svm import LinearSVC

        n_classes = len(self.labels)
        counts = np.bincount(y_idx, minlength=n_classes).astype(np.float64)
        class_w = len(y_idx) / (n_classes * np.maximum(counts, 1.0))
        sw = class_w[y_idx] * (sample_weight if sample_weight is not None else 1.0)
        coef = np.zeros((n_classes, X.shape[1]))
        intercept = np.zeros(n_classes)
        present = np.unique(y_idx)
        if len(present) < 2:
            intercept[present] = 1.0
            return coef, intercept
        ridge = RidgeClassifier(alpha=self.ridge_alpha, solver="auto")
        ridge.fit(X, y_idx, sample_weight=sw)
        r_coef, r_int = _expand(ridge.coef_, ridge.intercept_, ridge.classes_, n_classes)
        if self.svm_weight <= 0:
            return r_coef, r_int
        svm = LinearSVC(C=self.svm_c, random_state=self.random_state)
        svm.fit(X, y_idx, sample_weight=sw)
        s_coef, s_int = _expand(svm.coef_, svm.intercept_, svm.classes_, n_classes)
        # bring both decision functions to a comparable scale before averaging
        r_scale = float(np.abs(X @ r_coef.T + r_int).mean()) or 1.0
        s_scale = float(np.abs(X @ s_coef.T + s_int).mean()) or 1.0
        a = 1.0 - self.svm_weight
        coef = a * r_coef / r_scale + self.svm_weight * s_coef / s_scale
        intercept = a * r_int / r_scale + self.svm_weight * s_int / s_scale
        return coef, intercept

    def fit(
        self,
        texts_title: Sequence[str],
        texts_body: Sequence[str],
        labels: Sequence[str],
        unlabelled_title: Sequence[str] | None = None,
        unlabelled_body: Sequence[str] | None = None,
        calibrate: bool = True,
        weak_title: Sequence[str] | None = None,
        weak_body: Sequence[str] | None = None,
        weak_labels: Sequence[str | None] | None = None,
    ) -> Classifier:
        """Train on labelled messages (and optionally self-train on unlabelled ones).

        ``weak_*`` are distantly supervised messages (e.g. labelled from the department named
        in the official reply, :mod:`.distant`): rows whose label is None or not among the
        labelled classes are skipped; the others train with weight ``weak_weight``.
        """
        if not (len(texts_title) == len(texts_body) == len(labels)):
            raise ValueError("titles, bodies and labels must have the same length")
        if len(labels) == 0:
            raise ValueError("no training rows")
        t0 = time.perf_counter()
        self.labels = sorted(set(labels))
        lab_index = {lab: i for i, lab in enumerate(self.labels)}
        n_real = len(labels)
        titles, bodies, labels = list(texts_title), list(texts_body), list(labels)
        if self.use_taxonomy:
            # weak supervision: each taxonomy leaf of a known level-1 class is a tiny document
            for level1, level2, level3 in taxonomy_rows():
                if level1 in lab_index:
                    titles.append(level3)
                    bodies.append(f"{level2} {level3}")
                    labels.append(level1)
        weights = [1.0] * len(labels)
        n_weak = 0
        if (
            weak_title is not None
            and weak_body is not None
            and weak_labels is not None
            and self.weak_weight > 0
        ):
            if not (len(weak_title) == len(weak_body) == len(weak_labels)):
                raise ValueError("weak titles, bodies and labels must have the same length")
            for wt, wb, wl in zip(weak_title, weak_body, weak_labels, strict=True):
                if wl is not None and wl in lab_index:
                    titles.append(wt)
                    bodies.append(wb)
                    labels.append(wl)
                    weights.append(self.weak_weight)
                    n_weak += 1
        sample_weight = np.asarray(weights) if n_weak else None
        weak_mask = np.arange(len(labels)) >= len(labels) - n_weak if n_weak else None
        y_idx = np.array([lab_index[lab] for lab in labels], dtype=np.int64)
        keywords = None
        if self.feature_config.keyword_weight > 0 and taxonomy_rows():
            keywords = KeywordSpace.from_taxonomy(taxonomy_rows(), KEYWORD_STOP)
        self.extractor = FeatureExtractor(self.feature_config, keywords)
        # vocabulary and IDF come from the labelled and taxonomy documents only; weakly
        # labelled rows are mapped into that space (this scored better in CV than fitting
        # the vocabulary on all rows, and keeps the ensemble one linear model)
        n_strong = len(labels) - n_weak
        X = self.extractor.fit_transform(titles[:n_strong], bodies[:n_strong])
        if n_weak:
            X = sparse.vstack(
                [X, self.extractor.transform(titles[n_strong:], bodies[n_strong:])], format="csr"
            )
        coef, intercept = self._fit_linear(X, y_idx, sample_weight, weak_mask)

        temperature = 1.0
        if calibrate:
            temperature = self._calibrate(X, y_idx, n_real, sample_weight=sample_weight, weak_mask=weak_mask)
        self.coef, self.intercept, self.temperature = coef, intercept, temperature

        n_used = 0
        if unlabelled_title and unlabelled_body and self.self_training_weight > 0:
            XU = self.extractor.transform(unlabelled_title, unlabelled_body)
            proba = _softmax(np.asarray(XU @ coef.T) + intercept, temperature)
            keep = np.where(proba.max(axis=1) >= self.self_training_threshold)[0]
            n_used = len(keep)
            if n_used:
                X2 = sparse.vstack([X, XU[keep]], format="csr")
                y2 = np.concatenate([y_idx, proba[keep].argmax(axis=1)])
                w1 = sample_weight if sample_weight is not None else np.ones(len(y_idx))
                w2 = np.concatenate([w1, np.full(n_used, self.self_training_weight)])
                self.coef, self.intercept = self._fit_linear(X2, y2, w2)
                if calibrate:  # the decision scale changed: refit the temperature
                    self.temperature = self._calibrate(X2, y2, n_real, sample_weight=w2)
        # what is saved is float16; keep the in-memory model identical to a reloaded one
        self.coef = self.coef.astype(np.float16).astype(np.float64)
        self.intercept = self.intercept.astype(np.float32).astype(np.float64)
        self.info = TrainingInfo(
            n_labelled=n_real,
            n_unlabelled_used=n_used,
            seconds=time.perf_counter() - t0,
            temperature=self.temperature,
            n_weak=n_weak,
        )
        return self

    def _calibrate(
        self,
        X: sparse.csr_matrix,
        y_idx: np.ndarray,
        n_real: int,
        sample_weight: np.ndarray | None = None,
        folds: int = 3,
        weak_mask: np.ndarray | None = None,
    ) -> float:
        """Fit the softmax temperature on out-of-fold decisions for the real labelled rows
        (rows after ``n_real`` -- taxonomy leaves, pseudo-labelled messages -- always train)."""
        scores = self._oof_scores(X, y_idx, n_real, sample_weight, folds, weak_mask)
        if scores is None:
            return 1.0
        return _fit_temperature(scores, y_idx[:n_real])

    def _oof_scores(
        self,
        X: sparse.csr_matrix,
        y_idx: np.ndarray,
        n_real: int,
        sample_weight: np.ndarray | None = None,
        folds: int = 3,
        weak_mask: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """Out-of-fold decision values of the real labelled rows (None if too few rows)."""
        y_real = y_idx[:n_real]
        counts = np.bincount(y_real)
        if n_real < 30 or counts[counts > 0].min() < folds:
            return None
        from sklearn.model_selection import StratifiedKFold

        extra = np.arange(n_real, len(y_idx))
        scores = np.zeros((n_real, len(self.labels)))
        skf = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        for tr, te in skf.split(np.zeros(n_real), y_real):
            rows = np.concatenate([tr, extra])
            w = sample_weight[rows] if sample_weight is not None else None
            m = weak_mask[rows] if weak_mask is not None else None
            c, b = self._fit_linear(X[rows], y_idx[rows], w, m)
            scores[te] = np.asarray(X[te] @ c.T) + b
        return scores

    # ---------------------------------------------------------------- prediction
    def _check_fitted(self) -> None:
        if not self.labels:
            raise RuntimeError("classifier is not trained")

    def decision_function(self, titles: Sequence[str], bodies: Sequence[str]) -> np.ndarray:
        self._check_fitted()
        X = self.extractor.transform(titles, bodies)
        out: np.ndarray = np.asarray(X @ self.coef.T) + self.intercept
        return out

    def predict_proba(self, titles: Sequence[str], bodies: Sequence[str]) -> np.ndarray:
        return _softmax(self.decision_function(titles, bodies), self.temperature)

    def predict_labels(self, titles: Sequence[str], bodies: Sequence[str]) -> list[str]:
        scores = self.decision_function(titles, bodies)
        return [self.labels[i] for i in scores.argmax(axis=1)]

    def predict(self, title: str, body: str = "", n_top: int = 3, n_terms: int = 8) -> Prediction:
        """Category of one petition, with confidence, runners-up and the terms behind it."""
        self._check_fitted()
        X = self.extractor.transform([title or ""], [body or ""])
        scores = self.coef[:, X.indices] @ X.data + self.intercept
        proba = _softmax(scores[None, :], self.temperature).ravel()
        order = np.argsort(-proba)
        best = int(order[0])
        top = [(self.labels[int(i)], float(proba[int(i)])) for i in order[:n_top]]
        return Prediction(
            label=self.labels[best],
            confidence=float(proba[best]),
            top=top,
            explanation=self._explain(X, best, n_terms),
        )

    def _explain(self, X: sparse.csr_matrix, cls: int, n_terms: int) -> list[str]:
        """Terms with the largest positive ``tfidf * weight`` for class ``cls``; words and
        multi-character n-grams first, single characters only to fill up."""
        row = X.getrow(0)
        if row.nnz == 0:
            return []
        contrib = row.data * self.coef[cls, row.indices]
        k = min(len(contrib), 8 * n_terms)
        cand = np.argpartition(-contrib, k - 1)[:k] if k < len(contrib) else np.arange(len(contrib))
        order = [int(i) for i in cand[np.argsort(-contrib[cand])] if contrib[i] > 0]
        names = [self.extractor.term(int(row.indices[i])) for i in order]
        usable = [t for t in names if "0" not in t and "。" not in t and not t.startswith("[")]
        long_terms: list[str] = []
        for term in (t for t in usable if len(t) > 1):
            if len(long_terms) >= n_terms:
                break
            if any(term in t or t in term for t in long_terms):
                continue
            long_terms.append(term)
        if len(long_terms) >= 3:
            return long_terms
        for term in (t for t in usable if len(t) == 1):
            if len(long_terms) >= max(3, min(n_terms, len(usable))):
                break
            if not any(term in t for t in long_terms):
                long_terms.append(term)
        return long_terms

    # --------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> Path:
        """Write the model to ``path`` (a compressed .npz); returns the path written."""
        self._check_fitted()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = {
            "format": "minsheng-classifier",
            "version": FORMAT_VERSION,
            "labels": self.labels,
            "temperature": self.temperature,
            "features": self.feature_config.to_dict(),
            "params": {
                "model": self.model,
                "nbsvm_c": self.nbsvm_c,
                "nb_alpha": self.nb_alpha,
                "ridge_alpha": self.ridge_alpha,
                "svm_c": self.svm_c,
                "svm_weight": self.svm_weight,
                "self_training_threshold": self.self_training_threshold,
                "self_training_weight": self.self_training_weight,
                "use_taxonomy": self.use_taxonomy,
                "random_state": self.random_state,
                "weak_weight": self.weak_weight,
                "ensemble_ridge": self.ensemble_ridge,
            },
            "info": {
                "n_labelled": self.info.n_labelled,
                "n_unlabelled_used": self.info.n_unlabelled_used,
                "n_weak": self.info.n_weak,
                "seconds": round(self.info.seconds, 2),
                **self.info.extra,
            },
            "terms": {name: self.extractor.spaces[name].terms for name in SPACE_NAMES},
        }
        kw = self.extractor.keywords
        if self.extractor.use_keywords and kw is not None:
            header["keywords"] = {"groups": kw.groups, "terms": kw.terms, "term_groups": kw.term_groups}
        arrays: dict[str, np.ndarray] = {
            "header": np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
            "coef": self.coef.astype(np.float16),
            "intercept": self.intercept.astype(np.float32),
        }
        for name in SPACE_NAMES:
            arrays[f"idf_{name}"] = self.extractor.spaces[name].idf.astype(np.float32)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Classifier:
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as npz:
                header = json.loads(bytes(npz["header"]).decode("utf-8"))
                coef = npz["coef"].astype(np.float64)
                intercept = npz["intercept"].astype(np.float64)
                idf = {name: npz[f"idf_{name}"].astype(np.float64) for name in SPACE_NAMES}
        except (OSError, KeyError, ValueError) as exc:
            raise ValueError(f"cannot read classifier model {path}: {exc}") from exc
        if header.get("format") != "minsheng-classifier" or header.get("version") not in _READABLE_VERSIONS:
            raise ValueError(f"{path} is not a minsheng classifier model (version {FORMAT_VERSION})")
        params = {"model": "ridge_svm", **header.get("params", {})}  # version 1 had no "model"
        clf = cls(features=FeatureConfig.from_dict(header["features"]), **params)
        clf.labels = list(header["labels"])
        clf.temperature = float(header["temperature"])
        clf.coef, clf.intercept = coef, intercept
        kw_data = header.get("keywords")
        if kw_data:
            clf.extractor.keywords = KeywordSpace(
                groups=list(kw_data["groups"]),
                terms=list(kw_data["terms"]),
                term_groups=[list(g) for g in kw_data["term_groups"]],
            )
        clf.extractor.set_spaces(
            {name: TfidfSpace.from_arrays(header["terms"][name], idf[name]) for name in SPACE_NAMES}
        )
        info = header.get("info", {})
        clf.info = TrainingInfo(
            n_labelled=int(info.get("n_labelled", 0)),
            n_unlabelled_used=int(info.get("n_unlabelled_used", 0)),
            n_weak=int(info.get("n_weak", 0)),
            seconds=float(info.get("seconds", 0.0)),
            temperature=clf.temperature,
        )
        if clf.coef.shape != (len(clf.labels), clf.extractor.n_features):
            raise ValueError(f"{path}: inconsistent model arrays")
        return clf


_taxonomy_cache: list[tuple[str, str, str]] = []


def taxonomy_rows() -> list[tuple[str, str, str]]:
    """(一级, 二级, 三级) rows of the vendored taxonomy; empty if the file is absent."""
    if not _taxonomy_cache and TAXONOMY_PATH.is_file():
        reader = dict_reader(read_text(TAXONOMY_PATH))
        for rec in reader:
            row = (rec.get("一级分类") or "", rec.get("二级分类") or "", rec.get("三级分类") or "")
            if all(row):
                _taxonomy_cache.append(row)
    return list(_taxonomy_cache)


def _expand(
    coef: np.ndarray, intercept: np.ndarray, classes: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Map a (possibly binary or subset) sklearn coef_ to a full (n_classes, D) matrix."""
    full = np.zeros((n_classes, coef.shape[1]))
    full_b = np.zeros(n_classes)
    classes = np.asarray(classes)
    if coef.shape[0] == 1 and len(classes) == 2:
        full[classes[1]] = coef[0]
        full[classes[0]] = -coef[0]
        full_b[classes[1]] = intercept[0]
        full_b[classes[0]] = -intercept[0]
    else:
        full[classes] = coef
        full_b[classes] = intercept
    return full, full_b


# ---------------------------------------------------------------------- loading
_default_cache: dict[str, Classifier] = {}


def load_default() -> Classifier:
    """The model shipped with minsheng (trained on the labelled TIPDM messages)."""
    key = str(DEFAULT_MODEL_PATH)
    if key not in _default_cache:
        _default_cache[key] = Classifier.load(DEFAULT_MODEL_PATH)
    return _default_cache[key]


def active_model_path(model_dir: str | Path | None) -> Path:
    """Path of the model in use: ``<model_dir>/classifier.npz`` if present, else the default."""
    if model_dir is not None:
        candidate = Path(model_dir) / MODEL_FILENAME
        if candidate.is_file():
            return candidate
    return DEFAULT_MODEL_PATH


def load_active(model_dir: str | Path | None) -> Classifier:
    """The deployment's retrained model if ``model_dir`` holds one, else the shipped default."""
    path = active_model_path(model_dir)
    if path == DEFAULT_MODEL_PATH:
        return load_default()
    return Classifier.load(path)


# ----------------------------------------------------------------- data + metrics
def _resolve(fieldnames: Sequence[str], col: str) -> str | None:
    if col in fieldnames:
        return col
    for alias in _ALIASES.get(col, ()):
        if alias in fieldnames:
            return alias
    return None


def read_rows(path: str | Path, require_label: bool = True) -> list[dict[str, str]]:
    """Read a CSV (optionally gzipped) with the columns of ``messages_labeled.csv``.

    Returns dicts with keys ``留言主题``, ``留言详情`` and (if present/required) ``一级分类``,
    plus ``答复意见`` (the official reply) when the file has that column.
    Raises ``FileNotFoundError`` or ``ValueError`` (one-line message) on bad input.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"file not found: {path}")
    try:
        reader = dict_reader(read_text(path))
        fieldnames = list(reader.fieldnames or [])
        wanted = [TITLE_COL, BODY_COL] + ([LABEL_COL] if require_label else [])
        cols = {c: _resolve(fieldnames, c) for c in wanted}
        missing = [c for c, found in cols.items() if found is None]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
        label_src = cols.get(LABEL_COL) or _resolve(fieldnames, LABEL_COL)
        reply_src = _resolve(fieldnames, REPLY_COL)
        rows: list[dict[str, str]] = []
        for rec in reader:
            row = {
                TITLE_COL: rec.get(str(cols[TITLE_COL])) or "",
                BODY_COL: rec.get(str(cols[BODY_COL])) or "",
            }
            if label_src is not None:
                row[LABEL_COL] = (rec.get(label_src) or "").strip()
            if reply_src is not None:
                row[REPLY_COL] = rec.get(reply_src) or ""
            if require_label and not row[LABEL_COL]:
                continue
            rows.append(row)
    except (UnicodeDecodeError, csv.Error, gzip.BadGzipFile, EOFError) as exc:
        raise ValueError(f"{path}: unreadable CSV ({exc.__class__.__name__})") from exc
    if not rows:
        raise ValueError(f"{path}: no usable rows")
    return rows


def _row_get(row: Mapping[str, Any], col: str) -> str:
    for key in (col, *_ALIASES.get(col, ())):
        if key in row and row[key] is not None:
            return str(row[key])
    return ""


def evaluate(classifier: Classifier, rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Score ``classifier`` on labelled rows without learning from them.

    Rows are mappings with ``留言主题``/``留言详情``/``一级分类`` (or ``title``/``body``/``label``).
    """
    rows = list(rows)
    titles = [_row_get(r, TITLE_COL) for r in rows]
    bodies = [_row_get(r, BODY_COL) for r in rows]
    gold = [_row_get(r, LABEL_COL).strip() for r in rows]
    if not rows:
        return metrics(gold, [], labels=classifier.labels)
    proba = classifier.predict_proba(titles, bodies)
    pred = [classifier.labels[i] for i in proba.argmax(axis=1)]
    out = metrics(gold, pred, labels=classifier.labels)
    # the "unsure" operating point: how many a person would decide, and how good the rest is
    sure = proba.max(axis=1) >= UNSURE_BELOW
    decided = [(g, p) for g, p, k in zip(gold, pred, sure, strict=True) if k]
    rest = [g == p for g, p, k in zip(gold, pred, sure, strict=True) if not k]
    out["unsure"] = {
        "threshold": UNSURE_BELOW,
        "share_unsure": round(1 - float(sure.mean()), 4),
        "macro_f1_sure": metrics([g for g, _p in decided], [p for _g, p in decided])["macro_f1"]
        if decided
        else None,
        "accuracy_unsure": round(sum(rest) / len(rest), 4) if rest else None,
    }
    return out


def metrics(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Macro-F1, accuracy, per-class P/R/F1/support and a confusion matrix (rows = gold)."""
    all_labels = sorted(set(labels or []) | set(gold) | set(pred))
    idx = {lab: i for i, lab in enumerate(all_labels)}
    k = len(all_labels)
    cm = np.zeros((k, k), dtype=np.int64)
    for g, p in zip(gold, pred, strict=True):
        cm[idx[g], idx[p]] += 1
    per_class: dict[str, dict[str, float | int]] = {}
    f1s: list[float] = []
    for lab, i in idx.items():
        tp = int(cm[i, i])
        support = int(cm[i].sum())
        predicted = int(cm[:, i].sum())
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[lab] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }
        if support or predicted:  # like sklearn: average over labels seen in gold or predictions
            f1s.append(f1)
    n = len(gold)
    return {
        "macro_f1": round(float(np.mean(f1s)) if f1s else 0.0, 4),
        "accuracy": round(float(np.trace(cm)) / n if n else 0.0, 4),
        "n": n,
        "labels": all_labels,
        "per_class": per_class,
        "confusion_matrix": cm.tolist(),
    }


def split_unlabelled(
    labelled: Sequence[Mapping[str, str]], unlabelled: Sequence[Mapping[str, str]]
) -> tuple[tuple[list[str], list[str], list[str | None]], tuple[list[str], list[str]]]:
    """Prepare unlabelled messages for training.

    Messages duplicating a labelled one (same title, or same first 60 body characters) are
    dropped. Returns ``((titles, bodies, weak labels), (titles, bodies))``: the first part
    holds the messages with an official reply (``答复意见``) and the category that the reply's
    department names (:func:`.distant.reply_label`, None when absent or ambiguous); the second
    part the messages without a reply (for optional self-training).
    """
    from .distant import reply_label

    labels = sorted({r.get(LABEL_COL, "") for r in labelled} - {""})
    titles = {r[TITLE_COL] for r in labelled}
    heads = {r[BODY_COL][:60] for r in labelled}
    weak: tuple[list[str], list[str], list[str | None]] = ([], [], [])
    plain: tuple[list[str], list[str]] = ([], [])
    for r in unlabelled:
        if r[TITLE_COL] in titles or r[BODY_COL][:60] in heads:
            continue
        reply = r.get(REPLY_COL, "")
        if reply.strip():
            weak[0].append(r[TITLE_COL])
            weak[1].append(r[BODY_COL])
            weak[2].append(reply_label(reply, labels))
        else:
            plain[0].append(r[TITLE_COL])
            plain[1].append(r[BODY_COL])
    return weak, plain


def train_from_csv(
    data: str | Path,
    unlabelled: str | Path | None = None,
    output: str | Path | None = None,
    **params: Any,
) -> Classifier:
    """Train on a labelled CSV (columns of ``messages_labeled.csv``); save to ``output`` when given.

    ``unlabelled`` is a CSV of messages (``留言主题``/``留言详情``). Those with an official reply
    (column ``答复意见``, as in ``messages_with_replies.csv``) are weakly labelled from the
    department the reply names (:mod:`.distant`); all of them (with or without a reply) feed
    self-training when it is switched on (``self_training_weight > 0``, off by default).
    """
    rows = read_rows(data, require_label=True)
    weak: tuple[list[str], list[str], list[str | None]] | None = None
    u_titles: list[str] | None = None
    u_bodies: list[str] | None = None
    if unlabelled is not None:
        weak, plain = split_unlabelled(rows, read_rows(unlabelled, require_label=False))
        u_titles = weak[0] + plain[0]
        u_bodies = weak[1] + plain[1]
    clf = Classifier(**params)
    clf.fit(
        [r[TITLE_COL] for r in rows],
        [r[BODY_COL] for r in rows],
        [r[LABEL_COL] for r in rows],
        unlabelled_title=u_titles,
        unlabelled_body=u_bodies,
        weak_title=weak[0] if weak else None,
        weak_body=weak[1] if weak else None,
        weak_labels=weak[2] if weak else None,
    )
    if output is not None:
        clf.save(output)
    return clf
