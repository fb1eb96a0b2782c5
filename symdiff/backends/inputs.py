"""Reading a value given for a variable as an array of its dtype: one function, which the
evaluator calls and every generated module carries as source (it must stand alone). The shape
is the caller's to check: the evaluator binds named dimensions across variables, generated code
checks each argument's sizes in its own statements."""

from __future__ import annotations

import numpy as np

from ..ops.base import helper


@helper
def input_array(value, what, name, dtype):  # type: ignore[no-untyped-def]
    """value as an array of dtype: numbers cast within their kind (int to float, never float to
    int), integers only where they fit; else a ValueError naming what and name ("argument 'x'")."""
    try:
        arr = np.asarray(value)
    except Exception as e:  # noqa: BLE001
        raise ValueError(f"{what} {name!r}: cannot convert the given value to an array ({e})") from None
    if arr.dtype == dtype:
        return arr
    if arr.dtype == object and dtype.kind in "iufc" and all(type(i) is int for i in arr.flat):
        # Python ints past int64's range (2**70) make an array of objects: read them as dtype
        try:
            arr = np.asarray(value, dtype=dtype)
        except OverflowError:
            span = (f"[{np.iinfo(dtype).min}, {np.iinfo(dtype).max}]" if dtype.kind in "iu"
                    else f"(+-{np.finfo(dtype).max:.4g})")
            raise ValueError(f"{what} {name!r} is declared {dtype} but was given an integer outside "
                             f"its range {span}") from None
        return arr
    integers = arr.dtype.kind in "iu" and dtype.kind in "iu"
    if arr.dtype.kind not in "biufc" or not (integers or np.can_cast(arr.dtype, dtype, "same_kind")):
        raise ValueError(f"{what} {name!r} is declared {dtype} but was given {arr.dtype} values")
    if integers and arr.size and not np.can_cast(arr.dtype, dtype):
        info, lo, hi = np.iinfo(dtype), arr.min(), arr.max()
        if lo < info.min or hi > info.max:
            raise ValueError(f"{what} {name!r} is declared {dtype} but was given the value "
                             f"{lo if lo < info.min else hi}, outside its range [{info.min}, {info.max}]")
    return arr.astype(dtype)
