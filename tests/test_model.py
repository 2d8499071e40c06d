"""The shipped model: safe to load, reproducible to train, and visible in verdicts as a reason."""

from __future__ import annotations

import csv
import io
import itertools
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import veritext
from veritext.evaluation.datasets import LabeledMessage
from veritext.model import ModelError, default_model, load_model
from veritext.model.train import save_arrays, train

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _sample(n_per_class: int = 120) -> list[LabeledMessage]:
    path = SHARED / "mendeley_sms_phishing_5971" / "mendeley_sms_phishing_5971.shared.csv"
    if not path.is_file():
        pytest.skip(f"shared data not found at {path}")
    want = {"ham": "ham", "spam": "spam", "Smishing": "fraud"}
    seen: dict[str, int] = {}
    out: list[LabeledMessage] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            cls = want.get(row["label"])
            if cls and seen.get(cls, 0) < n_per_class:
                seen[cls] = seen.get(cls, 0) + 1
                out.append(LabeledMessage("mendeley", row["orig_row"], row["text"], "en", cls))
    return out


def test_the_shipped_model_loads_and_names_its_training_data_and_licences() -> None:
    model = default_model()
    sources = model.meta["sources"]
    assert sources, "the model card data must list its sources"
    assert all(s["dataset"] != "zh_telecom_fraud_texts_5" for s in sources)  # research-only licence
    assert {"uci_sms_spam_collection", "mendeley_sms_phishing_5971"} <= {s["dataset"] for s in sources}


def test_training_twice_with_the_same_seed_gives_identical_arrays(tmp_path: Path) -> None:
    messages = _sample()
    first, second = train(messages, seed=7), train(messages, seed=7)
    assert first.keys() == second.keys()
    for key in first:
        assert np.array_equal(first[key], second[key]), key
    save_arrays(first, tmp_path / "a.npz")
    save_arrays(second, tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_a_trained_model_round_trips_through_its_file(tmp_path: Path) -> None:
    arrays = train(_sample(), seed=3)
    save_arrays(arrays, tmp_path / "m.npz")
    model = load_model(tmp_path / "m.npz")
    out = model.predict(
        "urgent! your account is suspended, verify at http://bank-secure.top now"
    )  # written for this test
    assert 0.0 <= sum(out.kind_probabilities.values()) <= 1.0001


def test_garbage_and_truncated_model_files_fail_with_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "garbage.npz"
    bad.write_bytes(b"this is not a model")
    with pytest.raises(ModelError, match="cannot read"):
        load_model(bad)
    good = default_model()
    assert good is not None
    shipped = Path(veritext.__file__).parent / "data" / "model" / "veritext-model.npz"
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(shipped.read_bytes()[:5000])
    with pytest.raises(ModelError):
        load_model(truncated)


def test_a_model_file_carrying_a_pickle_is_refused_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (Path.touch, (str(marker),))  # would create the marker file if unpickled

    evil = tmp_path / "evil.npz"
    with zipfile.ZipFile(evil, "w") as zf:
        for name in ("vocab", "word_vocab", "idf", "coef_spam", "coef_fraud", "intercepts", "coef_kind",
                     "intercept_kind", "kinds", "fusion", "meta"):  # fmt: skip
            buf = io.BytesIO()
            np.save(buf, np.array([Exploit()], dtype=object), allow_pickle=True)
            zf.writestr(name + ".npy", buf.getvalue())
    with pytest.raises(ModelError):
        load_model(evil)
    assert not marker.exists()
    assert pickle  # the exploit above is a real pickle payload


def test_a_model_with_inconsistent_arrays_is_refused(tmp_path: Path) -> None:
    arrays = train(_sample(60), seed=1)
    arrays["coef_fraud"] = arrays["coef_fraud"][:-1]
    save_arrays(arrays, tmp_path / "short.npz")
    with pytest.raises(ModelError, match="shapes"):
        load_model(tmp_path / "short.npz")


def test_a_model_whose_word_list_is_not_utf8_bytes_is_refused(tmp_path: Path) -> None:
    arrays = train(_sample(60), seed=1)
    arrays["word_vocab"] = np.array(["free", "call"])  # text, not the UTF-8 bytes the format stores
    save_arrays(arrays, tmp_path / "words.npz")
    with pytest.raises(ModelError, match="word_vocab"):
        load_model(tmp_path / "words.npz")


def test_words_are_features_beside_the_character_ngrams() -> None:
    model = load_model_from(train(_sample(), seed=5))
    assert model.word_index, "an English training set yields word features"
    assert "free" in model.word_index or "call" in model.word_index
    # Chinese text has no word features: the n-grams cover it (written for this test)
    assert model._word_ids("您的账户已冻结请联系客服").size == 0


def test_scoring_a_batch_gives_exactly_the_numbers_of_scoring_one_at_a_time() -> None:
    model = load_model_from(train(_sample(), seed=5))
    texts = [  # written for this test
        "urgent! your account is suspended, verify at http://bank-secure.top now",
        "see you at dinner tonight",
        "645",
        "",
        "您的账户已冻结，请点击链接解冻 free gift",
    ]
    batch = model.predict_many(texts)
    for text, together in zip(texts, batch, strict=True):
        alone = model._predict_one(text)[0]
        assert (alone.spam_logit, alone.fraud_logit) == (together.spam_logit, together.fraud_logit), text
        assert alone.kind_probabilities == together.kind_probabilities, text


def load_model_from(arrays: dict[str, np.ndarray]) -> veritext.model.TextModel:  # type: ignore[type-arg]
    from veritext.model.train import model_from_arrays

    return model_from_arrays(arrays)


def test_the_models_strongest_words_appear_as_a_reason_with_spans_into_the_original_text() -> None:
    # written for this test
    text = "URGENT! Your bank account has been suspended. Verify your details now at http://secure-bank-login.top"
    verdict = veritext.triage(text)
    model_signals = [s for s in verdict.signals if s.group == "model"]
    assert model_signals, [s.id for s in verdict.signals]
    for span in model_signals[0].spans:
        assert text[span.start : span.end] == span.text


def test_veritext_eval_prints_a_table_for_any_csv_with_a_label_map(tmp_path: Path) -> None:
    data = tmp_path / "mine.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:  # written for this test
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerow(["Your verification code is 123456. Do not share it.", "ok"])
        w.writerow(["WIN a FREE prize! Claim now at http://prize-win.top", "bad"])
        w.writerow(["see you at dinner tonight", "ok"])
    exe = [sys.executable, "-m", "veritext.cli", "eval", str(data), "--label-map", "ok=ham,bad=spam", "--json"]
    out = subprocess.run(exe, capture_output=True, text=True, check=True)
    assert '"spam"' in out.stdout and '"fused"' in out.stdout and '"rules"' in out.stdout and '"model"' in out.stdout


def test_veritext_eval_refuses_an_unknown_label_naming_the_row(tmp_path: Path) -> None:
    data = tmp_path / "mine.csv"
    data.write_text("text,label\nhello,ok\nbye,weird\n", encoding="utf-8")  # written for this test
    exe = [sys.executable, "-m", "veritext.cli", "eval", str(data), "--label-map", "ok=ham"]
    out = subprocess.run(exe, capture_output=True, text=True)
    assert out.returncode == 1
    assert ":3:" in out.stderr and "weird" in out.stderr


def test_the_rules_call_on_a_loan_kind_stands_only_from_the_probability_where_it_beats_the_model() -> None:
    from veritext.model.train import _fit_trust

    # Out-of-fold evidence: the rules say "overdue" three times; at 0.60 and 0.65 they are wrong and the
    # model-side call is right, at 0.95 the rules are right and the model-side call is wrong.
    rule_kind = [
        {"overdue_collection": 0.60, "marketing": 0.40},
        {"overdue_collection": 0.65, "other": 0.35},
        {"overdue_collection": 0.95, "account_notice": 0.05},
    ]
    trust = _fit_trust(rule_kind, ["marketing", "other", "account_notice"],
                       ["marketing", "other", "overdue_collection"])  # fmt: skip
    assert trust["overdue_collection"] == 0.7
    # A loan kind with no labelled evidence keeps the rules' call from 0.5; others never override.
    assert trust["repayment_reminder"] == 0.5
    assert "marketing" not in trust


def test_the_models_reason_marks_only_words_no_rule_has_marked_and_no_function_word_alone() -> None:
    from veritext.model.fused import _skip_words

    # written for this test
    text = "URGENT: your loan payment is 30 days past due. Avoid legal action, pay now at bit.ly/xyz"
    verdict = veritext.triage(text)
    rule_spans = [sp for s in verdict.signals if s.group not in {"model", "kind"} for sp in s.spans]
    model = [s for s in verdict.signals if s.group == "model"]
    assert rule_spans and model, [s.id for s in verdict.signals]
    for signal in model:
        for sp in signal.spans:
            assert not any(sp.start < r.end and r.start < sp.end for r in rule_spans), sp
            assert sp.text.lower() not in _skip_words(), sp
        starts = sorted((sp.start, sp.end) for sp in signal.spans)
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(starts))


def test_a_message_without_letters_is_left_to_the_rules() -> None:
    from veritext.decide import Estimate, RuleEstimator
    from veritext.extract import extract
    from veritext.message import Context
    from veritext.model import UNREAD
    from veritext.model.fused import FusedEstimator, fusion_language
    from veritext.normalize import normalize
    from veritext.pipeline import infer_jurisdiction
    from veritext.signals import evaluate
    from veritext.signals.checks import RuleContext

    def estimates(text: str) -> tuple[Estimate, Estimate]:
        ext = extract(normalize(text))
        rc = RuleContext(context=Context(), jurisdiction=infer_jurisdiction(ext, Context()), received_at=None)
        signals = evaluate(ext, rc)
        return FusedEstimator(default_model()).estimate(ext, signals), RuleEstimator().estimate(ext, signals)

    # written for this test: digits alone give the model only shapes it learned from premium-rate ads
    fused, rules = estimates("645")
    assert fusion_language(extract(normalize("645"))) == UNREAD
    assert (fused.kind, fused.fraud_probability) == (rules.kind, rules.fraud_probability)
    assert not fused.extra_signals
    # Three letters are enough for the model to have its say.
    text = "Call 09061701461 to claim your prize"
    assert fusion_language(extract(normalize(text))) == "en"
    fused, rules = estimates(text)
    assert fused.fraud_probability != rules.fraud_probability
