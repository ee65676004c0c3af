"""Plain values as data: what may leave the sandbox, and how it is read back outside.

Inside the sandbox `encode` turns an answer into JSON-ready data; outside `decode` rebuilds it
from that data alone. Only plain values pass: None, booleans, numbers, strings, lists, tuples,
sets, dicts, numpy scalars and arrays of plain dtypes, pandas timestamps, time deltas, periods
and intervals, and pandas Index, Series and DataFrame objects as CSV (one line per row, each
field a JSON scalar) with their dtypes, labels and index beside it. Anything else (functions,
modules, objects of the trainee's own classes, subclasses of plain types) raises NotPlain.
Nothing is ever unpickled or evaluated: decode builds built-in and pandas objects from the data,
so a fake `__eq__`, `__repr__` or `__float__` cannot come out with a value.

This module runs inside the sandbox too, so it imports only the standard library at load time
(numpy and pandas when a value needs them).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from typing import Any

MAX_DEPTH = 40
TAG = "t"


class NotPlain(ValueError):
    """A value that is not plain data, or data that does not describe one."""


# -- scalars and containers -------------------------------------------------------------------


def _pandas():
    import numpy as np
    import pandas as pd

    return np, pd


def encode(value: Any, depth: int = 0) -> Any:
    """JSON-ready data describing VALUE; NotPlain if it is not a plain value."""
    if depth > MAX_DEPTH:
        raise NotPlain("nested too deeply")
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int:
        if abs(value) >= 1 << 1000:
            raise NotPlain("an integer too large")
        return value
    if kind is float:
        return value if math.isfinite(value) else {TAG: "float", "v": repr(value)}
    if kind is list:
        return [encode(item, depth + 1) for item in value]
    if kind in (tuple, set, frozenset):
        items = sorted(value, key=repr) if kind is not tuple else value
        return {TAG: kind.__name__, "v": [encode(item, depth + 1) for item in items]}
    if kind is dict:
        return {TAG: "dict", "v": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    module = getattr(kind, "__module__", "") or ""
    if module.startswith(("numpy", "pandas")) or module in ("datetime",):
        return _encode_library(value, depth)
    raise NotPlain(f"a {kind.__module__}.{kind.__qualname__}")


def _encode_library(value: Any, depth: int) -> Any:
    import datetime as dt

    kind = type(value)
    if kind in (dt.date, dt.datetime, dt.time):
        return {TAG: kind.__name__, "v": value.isoformat()}
    if kind is dt.timedelta:
        return {TAG: "pytimedelta", "v": [value.days, value.seconds, value.microseconds]}
    np, pd = _pandas()
    if value is pd.NaT:
        return {TAG: "nat"}
    if value is pd.NA:
        return {TAG: "na"}
    if kind is pd.Timestamp:
        return {TAG: "timestamp", "v": int(value.value), "unit": value.unit, "tz": _tz_name(value.tz)}
    if kind is pd.Timedelta:
        return {TAG: "timedelta", "v": int(value.value), "unit": value.unit}
    if kind is pd.Period:
        return {TAG: "period", "v": int(value.ordinal), "freq": value.freqstr}
    if kind is pd.Interval:
        return {TAG: "interval", "left": encode(value.left, depth + 1), "right": encode(value.right, depth + 1),
                "closed": value.closed}
    if isinstance(value, np.generic) and kind in _numpy_scalars(np):
        dtype = _dtype_name(value.dtype)
        if value.dtype.kind in "mM":
            return {TAG: "np", "dtype": dtype, "v": None if np.isnat(value) else int(value.view("int64"))}
        return {TAG: "np", "dtype": dtype, "v": encode(value.item(), depth + 1)}
    if kind is np.ndarray:
        if value.ndim > 4 or value.size > 10_000_000:
            raise NotPlain("an array too large")
        flat = _column_data(value.reshape(-1), value.dtype, depth)
        return {TAG: "ndarray", "dtype": _dtype_name(value.dtype), "shape": list(value.shape), "v": flat}
    if kind is pd.Series:
        encoded = {TAG: "series", "name": encode(value.name, depth + 1), "index": _encode_index(value.index, depth),
                   "dtype": _dtype_name(value.dtype),
                   "csv": _csv([_column_data(value.array, value.dtype, depth)], len(value))}
        return _with_categories(encoded, [value.dtype], depth)
    if kind is pd.DataFrame:
        columns = [value.iloc[:, i] for i in range(value.shape[1])]
        encoded = {TAG: "frame", "index": _encode_index(value.index, depth),
                   "columns": _encode_index(value.columns, depth), "dtypes": [_dtype_name(c.dtype) for c in columns],
                   "csv": _csv([_column_data(c.array, c.dtype, depth) for c in columns], len(value))}
        return _with_categories(encoded, [c.dtype for c in columns], depth)
    if isinstance(value, pd.Index) and kind in _index_classes(pd):
        return {TAG: "index", "v": _encode_index(value, depth)}
    raise NotPlain(f"a {kind.__module__}.{kind.__qualname__}")


def _numpy_scalars(np) -> set[type]:
    return {np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
            np.float16, np.float32, np.float64, np.str_, np.datetime64, np.timedelta64}


def _index_classes(pd) -> set[type]:
    return {pd.Index, pd.RangeIndex, pd.MultiIndex, pd.DatetimeIndex, pd.TimedeltaIndex, pd.PeriodIndex,
            pd.IntervalIndex, pd.CategoricalIndex}


def _tz_name(tz: Any) -> str | None:
    return None if tz is None else str(tz)


# -- dtypes ------------------------------------------------------------------------------------

_DTYPE = re.compile(r"(u?int(8|16|32|64)|float(16|32|64)|bool|object|str|string|U?Int(8|16|32|64)|Float(32|64)"
                    r"|boolean|<U\d{1,6}|datetime64\[(Y|M|W|D|h|m|s|ms|us|ns)(, [A-Za-z0-9_/+\-:]{1,40})?\]"
                    r"|timedelta64\[(Y|M|W|D|h|m|s|ms|us|ns)\]|period\[[A-Za-z0-9\-]{1,20}\]|category"
                    r"|interval\[(u?int(8|16|32|64)|float(32|64)|datetime64\[(s|ms|us|ns)\]|timedelta64\[(s|ms|us|ns)\])"
                    r", (left|right|both|neither)\])")


def _dtype_name(dtype: Any) -> str:
    np, pd = _pandas()
    name = str(dtype)
    if isinstance(dtype, pd.StringDtype):
        name = "str" if dtype.na_value is not pd.NA else "string"
        if dtype.storage != "python":
            name = name if name == "str" else "string"
    if not _DTYPE.fullmatch(name):
        raise NotPlain(f"a column of dtype {name}")
    if isinstance(dtype, np.dtype) and dtype.kind == "V":
        raise NotPlain(f"a column of dtype {name}")
    return name


def _parse_dtype(name: Any) -> Any:
    np, pd = _pandas()
    if not isinstance(name, str) or not _DTYPE.fullmatch(name):
        raise NotPlain(f"unknown dtype {str(name)[:40]!r}")
    if name == "str":
        return pd.StringDtype("python", na_value=np.nan)
    if name == "string":
        return pd.StringDtype("python")
    return pd.api.types.pandas_dtype(name)


# -- columns: one dtype, one JSON scalar per row ------------------------------------------------


def _column_data(array: Any, dtype: Any, depth: int) -> list[Any]:
    """The values of a column as JSON scalars (None where missing), by dtype."""
    np, pd = _pandas()
    if isinstance(dtype, pd.CategoricalDtype):
        return [None if code < 0 else int(code) for code in pd.Categorical(array).codes]
    if isinstance(dtype, pd.IntervalDtype):
        values = pd.arrays.IntervalArray(array)
        left = _column_data(values.left.array, values.left.dtype, depth)
        right = _column_data(values.right.array, values.right.dtype, depth)
        return [None if missing else [lo, hi] for lo, hi, missing in zip(left, right, values.isna(), strict=True)]
    if isinstance(dtype, pd.PeriodDtype):
        return [None if p is pd.NaT else int(p.ordinal) for p in array]
    if isinstance(dtype, pd.DatetimeTZDtype) or (isinstance(dtype, np.dtype) and dtype.kind in "mM"):
        ints = np.asarray(array).view("int64") if isinstance(dtype, np.dtype) else array.asi8
        missing = pd.isna(array)
        return [None if m else int(v) for v, m in zip(ints, missing, strict=True)]
    if isinstance(dtype, pd.StringDtype):
        return [None if v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v) for v in array]
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        return [_json_number(v) for v in np.asarray(array).tolist()]
    if isinstance(dtype, np.dtype) and dtype.kind == "U":
        return [str(v) for v in np.asarray(array).tolist()]
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.name in {
            "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32", "Float64", "boolean"}:
        return [None if v is pd.NA else _json_number(v.item() if hasattr(v, "item") else v) for v in array]
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        return [encode(v, depth + 1) for v in array]
    raise NotPlain(f"a column of dtype {dtype}")


def _json_number(value: Any) -> Any:
    if type(value) is float and not math.isfinite(value):
        return {TAG: "float", "v": repr(value)}
    return value


def _build_column(data: list[Any], dtype_name: str, depth: int, categories: Any = None) -> Any:
    """A pandas array of DTYPE_NAME from the JSON scalars of one column."""
    np, pd = _pandas()
    dtype = _parse_dtype(dtype_name)
    if isinstance(dtype, pd.CategoricalDtype):
        if categories is None:
            raise NotPlain("a categorical column without its categories")
        if type(categories) is not dict:
            raise NotPlain("categories that are not described")
        values = _decode_index(categories.get("index"), depth + 1)
        codes = [-1 if c is None else _int(c) for c in data]
        if any(c < -1 or c >= len(values) for c in codes):
            raise NotPlain("a categorical code out of range")
        return pd.Categorical.from_codes(codes, categories=values, ordered=categories.get("ordered") is True)
    if isinstance(dtype, pd.IntervalDtype):
        sub = _dtype_name(dtype.subtype)
        left = _build_column([None if v is None else _pair(v)[0] for v in data], sub, depth)
        right = _build_column([None if v is None else _pair(v)[1] for v in data], sub, depth)
        return pd.arrays.IntervalArray.from_arrays(left, right, closed=dtype.closed)
    if isinstance(dtype, pd.PeriodDtype):
        ordinals = np.array([np.iinfo("int64").min if v is None else _int(v) for v in data], dtype="int64")
        return pd.arrays.PeriodArray(ordinals, dtype=dtype)
    if isinstance(dtype, pd.DatetimeTZDtype) or (isinstance(dtype, np.dtype) and dtype.kind in "mM"):
        ints = np.array([np.iinfo("int64").min if v is None else _int(v) for v in data], dtype="int64")
        if isinstance(dtype, pd.DatetimeTZDtype):
            naive = ints.view(f"datetime64[{dtype.unit}]")
            return pd.array(pd.DatetimeIndex(naive).tz_localize("UTC").tz_convert(dtype.tz))
        return pd.array(ints.view(dtype))
    if isinstance(dtype, pd.StringDtype):
        if any(v is not None and type(v) is not str for v in data):
            raise NotPlain("a string column holding something else")
        return pd.array(data, dtype=dtype)
    if isinstance(dtype, np.dtype) and dtype.kind in "biufU":
        values = [_scalar_number(v, dtype.kind) for v in data]
        try:
            return np.array(values, dtype=dtype)
        except (OverflowError, ValueError, TypeError):
            raise NotPlain(f"values that do not fit dtype {dtype_name}") from None
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        number = "f" if dtype.name.startswith("Float") else "b" if dtype.name == "boolean" else "i"
        values = [None if v is None else _scalar_number(v, number) for v in data]
        try:
            return pd.array([pd.NA if v is None else v for v in values], dtype=dtype)
        except (OverflowError, ValueError, TypeError):
            raise NotPlain(f"values that do not fit dtype {dtype_name}") from None
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        column = np.empty(len(data), dtype=object)
        for i, value in enumerate(data):
            column[i] = decode(value, depth + 1)
        return column
    raise NotPlain(f"unknown dtype {dtype_name}")


def _int(value: Any) -> int:
    if type(value) is not int:
        raise NotPlain("an integer field holding something else")
    return value


def _pair(value: Any) -> list:
    if type(value) is not list or len(value) != 2:
        raise NotPlain("an interval field that is not a pair")
    return value


def _scalar_number(value: Any, kind: str) -> Any:
    if type(value) is dict:
        value = decode(value)
    allowed = {"b": (bool,), "i": (int,), "u": (int,), "f": (int, float), "U": (str,)}[kind]
    if type(value) not in allowed:
        raise NotPlain("a number column holding something else")
    return value


def _csv(columns: list[list[Any]], rows: int) -> str:
    """The columns as CSV text: one line per row, each field one JSON scalar."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in range(rows):
        writer.writerow([json.dumps(column[row], ensure_ascii=False, allow_nan=False) for column in columns])
    return out.getvalue()


def _read_csv(text: Any, width: int, rows: int | None = None) -> list[list[Any]]:
    """The columns of CSV text written by _csv."""
    if not isinstance(text, str):
        raise NotPlain("a table without its CSV text")
    columns: list[list[Any]] = [[] for _ in range(width)]
    count = 0
    for line in csv.reader(io.StringIO(text)):
        if len(line) != width:
            raise NotPlain("a CSV row of the wrong width")
        for column, field in zip(columns, line, strict=True):
            column.append(_strict_json(field))
        count += 1
    if rows is not None and count != rows:
        raise NotPlain("a CSV table of the wrong length")
    return columns


# -- indexes -----------------------------------------------------------------------------------


def _encode_index(index: Any, depth: int) -> dict[str, Any]:
    np, pd = _pandas()
    if type(index) not in _index_classes(pd):
        raise NotPlain(f"an index of type {type(index).__name__}")
    if type(index) is pd.RangeIndex:
        return {"range": [index.start, index.stop, index.step], "names": [encode(index.name, depth + 1)]}
    levels = [index.get_level_values(i) for i in range(index.nlevels)]
    encoded = {"names": [encode(name, depth + 1) for name in index.names], "length": len(index),
               "dtypes": [_dtype_name(level.dtype) for level in levels],
               "csv": _csv([_column_data(level.array, level.dtype, depth) for level in levels], len(index))}
    return _with_categories(encoded, [level.dtype for level in levels], depth)


def _with_categories(encoded: dict[str, Any], dtypes: list[Any], depth: int) -> dict[str, Any]:
    """ENCODED with the categories of its categorical columns (or index levels), if it has any."""
    np, pd = _pandas()
    categories = [{"index": _encode_index(dtype.categories, depth + 1), "ordered": bool(dtype.ordered)}
                  if isinstance(dtype, pd.CategoricalDtype) else None for dtype in dtypes]
    if any(categories):
        encoded["categories"] = categories
    return encoded


def _decode_index(data: Any, depth: int) -> Any:
    np, pd = _pandas()
    if depth > MAX_DEPTH or type(data) is not dict:
        raise NotPlain("an index that is not described")
    names = [decode(name, depth + 1) for name in _list(data.get("names"))]
    if "range" in data:
        start, stop, step = (_int(v) for v in _list(data["range"]))
        if step == 0 or len(range(start, stop, step)) > 100_000_000:
            raise NotPlain("a range index out of bounds")
        return pd.RangeIndex(start, stop, step, name=names[0] if names else None)
    dtypes = _list(data.get("dtypes"))
    categories = _list(data.get("categories", [None] * len(dtypes)))
    if not dtypes or len(names) != len(dtypes) or len(categories) != len(dtypes):
        raise NotPlain("an index whose levels are not described")
    columns = _read_csv(data.get("csv"), len(dtypes), _int(data.get("length")))
    arrays = [_build_column(column, dtype, depth, category)
              for column, dtype, category in zip(columns, dtypes, categories, strict=True)]
    if len(arrays) == 1:
        return pd.Index(arrays[0], name=names[0], tupleize_cols=False)
    return pd.MultiIndex.from_arrays(arrays, names=names)


def _list(value: Any) -> list:
    if type(value) is not list:
        raise NotPlain("a list field holding something else")
    return value


# -- decoding ----------------------------------------------------------------------------------


def _strict_json(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise NotPlain(f"the JSON constant {constant}")

    try:
        return json.loads(text, parse_constant=refuse)
    except (ValueError, RecursionError):
        raise NotPlain("a field that is not JSON") from None


def decode(data: Any, depth: int = 0) -> Any:
    """The plain value DATA describes (as written by `encode`); NotPlain if it describes none."""
    if depth > MAX_DEPTH:
        raise NotPlain("nested too deeply")
    kind = type(data)
    if data is None or kind in (bool, str, int, float):
        return data
    if kind is list:
        return [decode(item, depth + 1) for item in data]
    if kind is not dict or type(data.get(TAG)) is not str:
        raise NotPlain("data that describes no value")
    tag = data[TAG]
    try:
        return _decode_tagged(tag, data, depth)
    except NotPlain:
        raise
    except (KeyError, TypeError, ValueError, OverflowError, IndexError, AttributeError) as err:
        raise NotPlain(f"a malformed {tag}: {type(err).__name__}") from None


def _decode_tagged(tag: str, data: dict, depth: int) -> Any:
    import datetime as dt

    if tag == "float":
        if data["v"] not in ("nan", "inf", "-inf"):
            raise NotPlain("a float that is not nan or infinite")
        return float(data["v"])
    if tag in ("tuple", "set", "frozenset"):
        items = [decode(item, depth + 1) for item in _list(data["v"])]
        return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
    if tag == "dict":
        return {decode(_pair(pair)[0], depth + 1): decode(pair[1], depth + 1) for pair in _list(data["v"])}
    if tag in ("date", "datetime", "time"):
        return getattr(dt, tag).fromisoformat(_str(data["v"]))
    if tag == "pytimedelta":
        days, seconds, micros = (_int(v) for v in _list(data["v"]))
        return dt.timedelta(days=days, seconds=seconds, microseconds=micros)
    np, pd = _pandas()
    if tag == "nat":
        return pd.NaT
    if tag == "na":
        return pd.NA
    if tag == "timestamp":
        value = pd.Timestamp(_int(data["v"]), unit="ns", tz="UTC" if data.get("tz") else None)
        if data.get("tz"):
            value = value.tz_convert(_str(data["tz"]))
        return value.as_unit(_unit(data.get("unit", "ns")))
    if tag == "timedelta":
        return pd.Timedelta(_int(data["v"]), unit="ns").as_unit(_unit(data.get("unit", "ns")))
    if tag == "period":
        freq = _str(data["freq"])
        _parse_dtype(f"period[{freq}]")
        return pd.Period(ordinal=_int(data["v"]), freq=freq)
    if tag == "interval":
        closed = data["closed"]
        if closed not in ("left", "right", "both", "neither"):
            raise NotPlain("an interval closed on no known side")
        return pd.Interval(decode(data["left"], depth + 1), decode(data["right"], depth + 1), closed=closed)
    if tag == "np":
        dtype = _parse_dtype(data["dtype"])
        if not isinstance(dtype, np.dtype):
            raise NotPlain("a numpy scalar of a pandas dtype")
        if dtype.kind in "mM":
            return np.array([np.iinfo("int64").min if data["v"] is None else _int(data["v"])],
                            dtype="int64").view(dtype)[0]
        return np.array([_scalar_number(decode(data["v"], depth + 1), dtype.kind)], dtype=dtype)[0]
    if tag == "ndarray":
        dtype_name = data["dtype"]
        shape = [_int(n) for n in _list(data["shape"])]
        if len(shape) > 4 or any(n < 0 for n in shape) or math.prod(shape) != len(_list(data["v"])):
            raise NotPlain("an array whose shape does not fit its values")
        return np.asarray(_build_column(data["v"], dtype_name, depth)).reshape(shape)
    if tag == "series":
        index = _decode_index(data["index"], depth + 1)
        column = _read_csv(data["csv"], 1, len(index))[0]
        values = _build_column(column, data["dtype"], depth, _categories_of(data, 0))
        return pd.Series(values, index=index, name=decode(data["name"], depth + 1), copy=False)
    if tag == "frame":
        index = _decode_index(data["index"], depth + 1)
        columns = _decode_index(data["columns"], depth + 1)
        dtypes = _list(data["dtypes"])
        if len(dtypes) != len(columns):
            raise NotPlain("a table whose columns and dtypes differ in number")
        fields = _read_csv(data["csv"], len(dtypes), len(index)) if dtypes else []
        built = [_build_column(f, d, depth, _categories_of(data, i)) for i, (f, d) in enumerate(zip(fields, dtypes,
                                                                                                  strict=True))]
        frame = pd.DataFrame({i: pd.Series(values, index=index, copy=False) for i, values in enumerate(built)},
                             index=index)
        frame.columns = columns
        return frame
    if tag == "index":
        return _decode_index(data["v"], depth + 1)
    raise NotPlain(f"unknown kind of value {tag[:40]!r}")


def _categories_of(data: dict, position: int) -> Any:
    categories = data.get("categories")
    return _list(categories)[position] if categories is not None else None


def _str(value: Any) -> str:
    if type(value) is not str or len(value) > 100:
        raise NotPlain("a text field holding something else")
    return value


def _unit(value: Any) -> str:
    if value not in ("s", "ms", "us", "ns"):
        raise NotPlain("an unknown time unit")
    return value
