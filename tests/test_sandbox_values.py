"""Plain values out of the sandbox: every answer m08 asks for comes back equal; nothing else comes back."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from caseloop.notebook import answer_variable, without_solution_markers
from caseloop.sandbox.values import NotPlain, decode, encode

REPO = Path(__file__).resolve().parent.parent
M08 = REPO / "source" / "m08"


def round_trip(value):
    """VALUE through the sandbox's wire format: encoded, written as JSON text, read, decoded."""
    return decode(json.loads(json.dumps(encode(value), allow_nan=False)))


def same(value, back) -> None:
    if isinstance(value, pd.DataFrame):
        pd.testing.assert_frame_equal(value, back)
    elif isinstance(value, pd.Series):
        pd.testing.assert_series_equal(value, back)
    elif isinstance(value, pd.Index):
        pd.testing.assert_index_equal(value, back)
    elif isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and (back == value).all()
    else:
        assert type(back) is type(value) and repr(back) == repr(value)


def m08_model_answers() -> dict:
    """Every answer variable of m08 as the model answers compute it."""
    namespace: dict = {}
    nb = nbformat.read(M08 / "ticket_analytics.ipynb", as_version=4)
    answers = [answer_variable(c) for c in nb.cells if c.metadata.get("caseloop", {}).get("answer")]
    import os

    here = os.getcwd()
    os.chdir(M08)
    try:
        for cell in nb.cells:
            grading = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and not grading.get("grade") and not cell.metadata.get("caseloop", {}).get(
                    "selfcheck") and "survey" not in cell.metadata.get("caseloop", {}):
                exec(without_solution_markers(cell.source), namespace)
    finally:
        os.chdir(here)
    return {name: namespace[name] for name in answers}


@pytest.mark.parametrize(("name", "value"), sorted(m08_model_answers().items()))
def test_every_m08_answer_comes_back_equal(name, value):
    same(value, round_trip(value))


TABLE = pd.DataFrame({"n": [1, 2, 3], "x": [0.5, float("nan"), 2.0], "s": ["a", None, "c"],
                      "when": pd.to_datetime(["2026-02-02", None, "2026-03-01"]),
                      "zoned": pd.date_range("2026-01-01", periods=3, tz="Europe/Berlin"),
                      "late": [True, False, True], "kind": pd.Categorical(["a", "b", "a"]),
                      "opt": pd.array([1, None, 3], dtype="Int64"), "span": pd.to_timedelta([1, 2, None], unit="h")},
                     index=pd.Index(["r1", "r2", "r3"], name="row"))


@pytest.mark.parametrize("value", [
    None, True, 3, -0.0, 2.5, float("nan"), float("inf"), "文字 / text", [1, [2, [3]]], (1, "a"), {1, 2},
    frozenset({"x"}), {"a": 1, 2: [None]}, np.int64(7), np.float32(0.5), np.bool_(True),
    np.datetime64("2026-02-02T10:00"), np.arange(6).reshape(2, 3), pd.Timestamp("2026-02-02"),
    pd.Timestamp("2026-02-02 10:00", tz="Asia/Tokyo"), pd.Timedelta(hours=3), pd.Period("2026-02-02", "W"),
    pd.Interval(0, 4.0, closed="right"), pd.NaT, TABLE, TABLE.set_index(["n", "s"]), TABLE.T.iloc[:2],
    pd.Series([1, 2], index=pd.PeriodIndex(["2026-01", "2026-02"], freq="M")), pd.RangeIndex(0, 10, 2),
    pd.DataFrame({1: [1], (2, "b"): ["x"]}), pd.Series([], dtype="float64"), pd.DataFrame(),
], ids=repr)
def test_plain_values_come_back_equal(value):
    back = round_trip(value)
    if isinstance(value, float) and value != value:
        assert back != back
    else:
        same(value, back)


DEEP: list = [0]
for _ in range(60):
    DEEP = [DEEP]


class FakeFloat(float):
    def __eq__(self, other):
        return True


class Score:
    def __repr__(self):
        return "2"


@pytest.mark.parametrize("value", [
    FakeFloat(1.0), Score(), lambda: 2, json, object(), type("S", (str,), {})("x"), pd.Series([Score()]),
    pd.DataFrame({"a": pd.Series([FakeFloat(1.0)], dtype=object)}), [Score()], {"k": Score()}, 10 ** 400,
    np.array([Score()], dtype=object), type("Frame", (pd.DataFrame,), {})({"a": [1]}), DEEP,
], ids=lambda v: type(v).__name__)
def test_anything_else_is_refused(value):
    with pytest.raises(NotPlain):
        encode(value)


def test_a_fake_number_in_a_float_column_leaves_as_a_plain_float():
    back = round_trip(pd.Series([FakeFloat(1.0)], dtype="float64"))
    assert type(back.iloc[0]) is np.float64 and back.iloc[0] != 2.0


@pytest.mark.parametrize("data", [
    {"t": "object", "v": "__import__('os').system('true')"}, {"t": "frame", "csv": "1"}, {"a": 1},
    {"t": "series", "index": {"range": [0, 10 ** 12, 1], "names": [None]}, "dtype": "int64", "csv": ""},
    {"t": "np", "dtype": "V8", "v": 1}, {"t": "np", "dtype": "object", "v": 1}, {"t": "float", "v": "1e999"},
    {"t": "timestamp", "v": "2026", "tz": None}, {"t": "period", "v": 1, "freq": "garbage[]"},
    {"t": "frame", "index": {"range": [0, 1, 1], "names": [None]}, "columns": {"range": [0, 1, 1], "names": [None]},
     "dtypes": ["int64"], "csv": '"x"\n'},
], ids=lambda d: str(d)[:40])
def test_data_that_describes_no_plain_value_is_refused(data):
    with pytest.raises(NotPlain):
        decode(data)
