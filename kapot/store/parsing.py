"""Vectorised parsing of raw columns into typed ones, naming the file, row and column on error.

Each parser works on the column's distinct values (``pd.factorize``), so a 1M-row column with a
few thousand distinct dates costs a few thousand parses.

Values that parse but cannot be real are errors too, so that nothing downstream ever sees them:
a number that is not finite (``inf``, ``-inf``, ``1e309``) or whose magnitude reaches
:data:`MAX_ABS_NUMBER`, a date outside :data:`MIN_DATE` .. :data:`MAX_DATE`, and a text or
identifier cell longer than :data:`MAX_FIELD_CHARS`. ``NaN``, ``null``, ``None`` and ``NaT``
are read as empty cells, as pandas writes them. Values quoted in messages are shortened.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kapot.errors import KapotError
from kapot.i18n import tr

__all__ = [
    "MAX_ABS_NUMBER",
    "MAX_FIELD_CHARS",
    "MIN_DATE",
    "MAX_DATE",
    "ColumnContext",
    "shown",
    "shown_list",
    "parse_dates",
    "parse_numbers",
    "parse_ids",
    "parse_text",
    "parse_bools",
]

DATE_FORMATS = (
    "%Y-%m-%d",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%Y/%m/%d",
    "%d-%m-%Y",
    "%m/%d/%y",
    "%d/%m/%y",
    "%Y.%m.%d",
    "%Y%m%d",
)
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: numbers at or above this magnitude are rejected: no sales line, price or stock is a
#: thousand trillion, and everything below it keeps cents exactly in a float64
MAX_ABS_NUMBER = 1e15
#: the dates kapot accepts, in any date column (due dates may lie far ahead)
MIN_DATE = pd.Timestamp("1900-01-01")
MAX_DATE = pd.Timestamp("2200-12-31")
#: longest text or identifier cell, in characters (the csv module's own default limit)
MAX_FIELD_CHARS = 131_072
_SHOWN_CHARS = 60
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
_TRUE = {"1", "true", "yes", "y", "t", "да", "д", "истина", "+", "x", "v", "✓"}
_FALSE = {"0", "false", "no", "n", "f", "нет", "н", "ложь", "-"}


@dataclass(frozen=True)
class ColumnContext:
    """Where a column came from, for error messages.

    Parameters
    ----------
    file : str
        The input's name as messages show it (a path, or ``<sales DataFrame>``).
    column : str
        The column's header in the file.
    row_of : callable
        Maps a 0-based position in the column to the row number a user sees in the file.
    """

    file: str
    column: str
    row_of: Callable[[int], int]

    def error(self, message: str, position: int | None) -> KapotError:
        """A one-line error naming the file, the row of ``position`` (when known) and the column.

        Parameters
        ----------
        message : str
            What is wrong, already translated.
        position : int or None
            The 0-based position of the bad cell in the column; None if no one row is at fault.

        Returns
        -------
        KapotError
            For the caller to raise.
        """
        row = self.row_of(position) if position is not None else None
        return KapotError(message, file=self.file, row=row, column=shown(self.column))


def shown(value: object, limit: int = _SHOWN_CHARS) -> str:
    """A cell's value as quoted in a one-line message.

    Control, format and line-separator characters (``\\n``, ``\\x85``, U+2028, bidi overrides)
    are written as escapes, so that the message stays one honest line.

    Parameters
    ----------
    value : object
        The cell, as read.
    limit : int, default 60
        At most this many characters are kept.

    Returns
    -------
    str
        The text, escaped; when cut, ending in ``… (N chars)`` with the full length.
    """
    text = str(value)
    n = len(text)
    if n > limit:
        text = text[: limit - 1]
    text = "".join(
        ch if unicodedata.category(ch) not in _INVISIBLE else ascii(ch)[1:-1] for ch in text
    )
    return f"{text}… ({n:,} chars)" if n > limit else text


def shown_list(values: Iterable[object], limit: int = 300) -> str:
    """Several values (a file's headers) for a message, shortened as a whole.

    Parameters
    ----------
    values : iterable
        The values, joined with ``", "``.
    limit : int, default 300
        At most this many characters are kept (see :func:`shown`).

    Returns
    -------
    str
    """
    return shown(", ".join(str(v) for v in values), limit)


def _check_length(u: pd.Series, codes: np.ndarray, values: pd.Series, ctx) -> None:
    too_long = u.str.len() > MAX_FIELD_CHARS
    if ctx is not None and too_long.any():
        pos = _first_position(codes, np.flatnonzero(too_long.to_numpy()))
        raise ctx.error(
            tr(
                "checks.field_too_long",
                length=f"{len(str(values.iloc[pos])):,}",
                limit=f"{MAX_FIELD_CHARS:,}",
            ),
            pos,
        )


def _factorize_str(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, pd.Series(np.asarray(uniques, dtype=object)).astype("str").str.strip()


def _first_position(codes: np.ndarray, bad_unique_idx: np.ndarray) -> int:
    mask = np.isin(codes, bad_unique_idx)
    return int(np.argmax(mask))


def _blank(u: pd.Series) -> pd.Series:
    return u.eq("") | u.str.lower().isin({"nan", "none", "null", "nat", "<na>"})


def parse_ids(values: pd.Series, ctx: ColumnContext | None = None) -> pd.Series:
    """Identifiers as strings: trimmed, ``'123.0'`` from spreadsheets becomes ``'123'``.

    Parameters
    ----------
    values : pandas.Series
        One raw column: text, or numbers as a spreadsheet gives them.
    ctx : ColumnContext, optional
        Where the column came from; with it, a cell longer than :data:`MAX_FIELD_CHARS`
        raises :class:`KapotError`.

    Returns
    -------
    pandas.Series
        Object dtype, same index; blank, ``NaN``, ``null``, ``None`` become None.
    """
    if pd.api.types.is_float_dtype(values.dtype):
        out = values.map(
            lambda v: None if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v))
        )
        return out.astype("object")
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.astype("string").astype("object").where(values.notna(), None)
    codes, u = _factorize_str(values)
    _check_length(u, codes, values, ctx)
    u = u.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    uniq = u.to_numpy(dtype=object)
    uniq[_blank(u).to_numpy()] = None
    out = np.append(uniq, None)[codes]  # code -1 (missing) picks the trailing None
    return pd.Series(out, index=values.index, dtype="object")


def parse_text(values: pd.Series, ctx: ColumnContext | None = None) -> pd.Series:
    """Free text, trimmed, runs of white space made one space; blank becomes missing.

    Parameters
    ----------
    values : pandas.Series
        One raw column (a non-text one is read as identifiers, :func:`parse_ids`).
    ctx : ColumnContext, optional
        Where the column came from; with it, a cell longer than :data:`MAX_FIELD_CHARS`
        raises :class:`KapotError`.

    Returns
    -------
    pandas.Series
        Object dtype, same index; missing as None.
    """
    if not (pd.api.types.is_string_dtype(values.dtype) or values.dtype == object):
        return parse_ids(values, ctx)
    codes, u = _factorize_str(values)
    _check_length(u, codes, values, ctx)
    u = u.str.replace(r"\s+", " ", regex=True)
    uniq = u.to_numpy(dtype=object)
    uniq[_blank(u).to_numpy()] = None
    out = np.append(uniq, None)[codes]  # code -1 (missing) picks the trailing None
    return pd.Series(out, index=values.index, dtype="object")


def parse_dates(
    values: pd.Series, ctx: ColumnContext, *, date_format: str | None = None
) -> pd.Series:
    """Dates (time of day dropped): ISO, dd.mm.yyyy, US m/d/y, with or without time, Excel
    serial numbers, or already typed datetimes. Missing stays missing (NaT).

    Parameters
    ----------
    values : pandas.Series
        One raw column.
    ctx : ColumnContext
        Where the column came from, for the error.
    date_format : str, optional
        A ``strptime`` format (the mapping's ``date_format``); default the one of the known
        formats that reads the most values of the column.

    Returns
    -------
    pandas.Series
        ``datetime64[ns]`` at midnight, time zone dropped, same index.

    Raises
    ------
    KapotError
        Naming the first row whose value is not a date in the detected format, or a date
        outside :data:`MIN_DATE` .. :data:`MAX_DATE`.
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) else values
        out = out.dt.normalize()
        _check_date_range(out, values, ctx)
        return out.astype("datetime64[ns]")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return _excel_serials(values.astype("float64"), values, ctx)
    codes, u = _factorize_str(values)
    blank = _blank(u)
    datepart = u.str.replace(
        r"(?:[T ]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)$",
        "",
        regex=True,
    )
    candidates = datepart[~blank]
    if candidates.empty:
        parsed_u = pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
    elif date_format is None and candidates.str.fullmatch(r"\d{4,5}(?:[.,]\d+)?").all():
        nums = pd.to_numeric(datepart.str.replace(",", ".", regex=False), errors="coerce")
        parsed_u = _excel_serials(nums, None, None)
    else:
        formats = (date_format,) if date_format else DATE_FORMATS
        best, best_bad = None, None
        for fmt in formats:
            trial = pd.to_datetime(candidates, format=fmt, errors="coerce")
            bad = int(trial.isna().sum())
            if best_bad is None or bad < best_bad:
                best, best_bad = fmt, bad
            if bad == 0:
                break
        parsed_u = pd.to_datetime(datepart.where(~blank), format=best, errors="coerce")
    bad_u = parsed_u.isna() & ~blank
    if bad_u.any():
        idx = np.flatnonzero(bad_u.to_numpy())
        pos = _first_position(codes, idx)
        raise ctx.error(tr("ingest.bad_date", value=shown(values.iloc[pos])), pos)
    # checked at the parser's own resolution: 9999-12-31 does not fit in nanoseconds
    out_of_range = parsed_u.notna() & ((parsed_u < MIN_DATE) | (parsed_u > MAX_DATE))
    if out_of_range.any():
        pos = _first_position(codes, np.flatnonzero(out_of_range.to_numpy()))
        raise ctx.error(_date_range_message(values.iloc[pos]), pos)
    parsed_u = parsed_u.astype("datetime64[ns]")
    arr = np.append(parsed_u.to_numpy(), np.datetime64("NaT", "ns"))[codes]
    return pd.Series(arr, index=values.index, dtype="datetime64[ns]")


def _date_range_message(value: object) -> str:
    return tr(
        "checks.date_out_of_range",
        value=shown(value),
        start=MIN_DATE.date().isoformat(),
        end=MAX_DATE.date().isoformat(),
    )


def _check_date_range(out: pd.Series, values: pd.Series, ctx: ColumnContext) -> None:
    bad = out.notna() & ((out < MIN_DATE) | (out > MAX_DATE))
    if bad.any():
        pos = int(np.argmax(bad.to_numpy()))
        raise ctx.error(_date_range_message(values.iloc[pos]), pos)


_SERIAL_MIN = float((MIN_DATE - _EXCEL_EPOCH).days)
_SERIAL_MAX = float((MAX_DATE - _EXCEL_EPOCH).days)


def _excel_serials(
    nums: pd.Series, values: pd.Series | None, ctx: ColumnContext | None
) -> pd.Series:
    """Excel serial day numbers as dates. Serials outside the accepted range (or not finite)
    raise when ``ctx`` is given, else become NaT (the caller reports them)."""
    days = np.floor(nums.to_numpy(dtype="float64"))
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(days) & ~((days >= _SERIAL_MIN) & (days <= _SERIAL_MAX))
    if bad.any():
        if ctx is not None and values is not None:
            pos = int(np.argmax(bad))
            raise ctx.error(_date_range_message(values.iloc[pos]), pos)
        days = np.where(bad, np.nan, days)
    out = _EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
    return pd.Series(out, index=nums.index).astype("datetime64[ns]")


_NUMBER_JUNK = r"[\s\u00a0\u202f'’`$€£₽¥]|руб\.?|р\.|rub|usd|eur"


def parse_numbers(
    values: pd.Series,
    ctx: ColumnContext,
    *,
    decimal: str | None = None,
    delimiter: str | None = None,
) -> pd.Series:
    """Numbers written as ``1 234,56``, ``1,234.56``, ``1.234,56``, ``$162.84``, ``(12.5)``
    or ``12-``; the decimal sign is detected per column unless given.

    Parameters
    ----------
    values : pandas.Series
        One raw column (text, or numbers already typed).
    ctx : ColumnContext
        Where the column came from, for the error.
    decimal : {",", "."}, optional
        The decimal sign (the mapping's ``decimal``); default detected from the column.
    delimiter : str, optional
        The file's field delimiter: with ``;`` an ambiguous ``1,234`` reads as 1.234.

    Returns
    -------
    pandas.Series
        ``float64``, same index; blank cells NaN; ``(12.5)`` and ``12-`` negative.

    Raises
    ------
    KapotError
        Naming the first row whose non-blank value is not a number, is not finite (``inf``,
        ``1e309``) or reaches :data:`MAX_ABS_NUMBER` in magnitude.
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("float64")
    if pd.api.types.is_numeric_dtype(values.dtype):
        out = values.astype("float64")
        _check_magnitude(out.to_numpy(), None, values, ctx)
        return out
    codes, raw = _factorize_str(values)
    blank = _blank(raw)
    u = raw.str.lower().str.replace(_NUMBER_JUNK, "", regex=True)
    negative = u.str.fullmatch(r"\(.*\)") | u.str.fullmatch(r"[^-].*-")
    u = u.str.strip("()").str.rstrip("-").where(~negative, "-" + u.str.strip("()").str.rstrip("-"))
    sep = decimal or _detect_decimal(u[~blank], delimiter)
    if sep == ",":
        u = u.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        u = u.str.replace(",", "", regex=False)
    parsed_u = pd.to_numeric(u.where(~blank), errors="coerce")
    bad_u = parsed_u.isna() & ~blank
    if bad_u.any():
        pos = _first_position(codes, np.flatnonzero(bad_u.to_numpy()))
        raise ctx.error(tr("ingest.bad_number", value=shown(values.iloc[pos])), pos)
    parsed = parsed_u.to_numpy(dtype="float64")
    _check_magnitude(parsed, codes, values, ctx)
    arr = np.append(parsed, np.nan)[codes]
    return pd.Series(arr, index=values.index, dtype="float64")


def _check_magnitude(
    nums: np.ndarray, codes: np.ndarray | None, values: pd.Series, ctx: ColumnContext
) -> None:
    """Reject infinities and absurd magnitudes (``nums`` are the distinct values when
    ``codes`` is given, else one per row)."""
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(nums) & ~(np.abs(nums) < MAX_ABS_NUMBER)
    if not bad.any():
        return
    idx = np.flatnonzero(bad)
    if codes is not None:
        pos = _first_position(codes, idx)
        first = nums[codes[pos]]
    else:
        pos = int(idx[0])
        first = nums[pos]
    value = values.iloc[pos]
    key = "checks.not_finite" if not np.isfinite(first) else "checks.too_large"
    raise ctx.error(tr(key, value=shown(value), limit=f"{MAX_ABS_NUMBER:.0e}"), pos)


def _detect_decimal(u: pd.Series, delimiter: str | None) -> str:
    has_comma = u.str.contains(",", regex=False)
    has_dot = u.str.contains(".", regex=False)
    both = has_comma & has_dot
    if both.any():
        comma_last = (u[both].str.rfind(",") > u[both].str.rfind(".")).mean()
        return "," if comma_last > 0.5 else "."
    if not has_comma.any():
        return "."
    commas = u[has_comma]
    if commas.str.count(",").gt(1).any():
        return "."  # 1,234,567: thousands
    if commas.str.contains(r",(?:\d{1,2}|\d{4,})$").any():
        return ","
    # only n,ddd values: ambiguous; ';' exports come from comma-decimal locales
    return "," if delimiter == ";" else "."


def parse_bools(values: pd.Series, ctx: ColumnContext) -> pd.Series:
    """Yes/no flags in English or Russian (да/нет, 1/0, true/false, +/-).

    Parameters
    ----------
    values : pandas.Series
        One raw column.
    ctx : ColumnContext
        Where the column came from, for the error.

    Returns
    -------
    pandas.Series
        Nullable ``boolean``, same index; blank cells missing.

    Raises
    ------
    KapotError
        Naming the first row whose value is neither a yes nor a no.
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    codes, u = _factorize_str(values)
    low = u.str.lower()
    blank = _blank(low) & ~low.isin(_FALSE)
    mapped = pd.Series(pd.NA, index=u.index, dtype="boolean")
    mapped[low.isin(_TRUE)] = True
    mapped[low.isin(_FALSE)] = False
    bad = mapped.isna() & ~blank
    if bad.any():
        pos = _first_position(codes, np.flatnonzero(bad.to_numpy()))
        raise ctx.error(tr("ingest.bad_bool", value=shown(values.iloc[pos])), pos)
    arr = np.append(mapped.to_numpy(dtype=object, na_value=None), None)[codes]
    return pd.Series(arr, index=values.index, dtype="boolean")
