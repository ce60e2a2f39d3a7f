"""Loaders for public data sets a user has downloaded, in kapot's canonical columns."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from kapot.errors import KapotError
from kapot.i18n import tr

__all__ = ["load_online_retail", "ONLINE_RETAIL_MAPPING"]

# UCI Online Retail (id 352) and Online Retail II (id 502) use either spelling.
ONLINE_RETAIL_MAPPING = {
    "InvoiceNo": "invoice_id",
    "Invoice": "invoice_id",
    "StockCode": "sku",
    "Description": "product_name",
    "Quantity": "quantity",
    "InvoiceDate": "date",
    "UnitPrice": "price",
    "Price": "price",
    "CustomerID": "client_id",
    "Customer ID": "client_id",
    "Country": "region",
}


def load_online_retail(
    path: str | os.PathLike[str], *, sheet: str | int | None = None
) -> pd.DataFrame:
    """Read a UCI Online Retail / Online Retail II file (xlsx, csv or parquet).

    Parameters
    ----------
    path : str or os.PathLike
        The downloaded file; its suffix picks the reader (a csv is read as latin-1, as UCI
        ships it).
    sheet : str or int, optional
        The Excel sheet to read (Online Retail II has one per year); default the first.

    Returns
    -------
    pandas.DataFrame
        Columns ``date``, ``invoice_id``, ``client_id``, ``sku``, ``quantity``, ``price``,
        ``product_name``, ``region`` (those the file has; the first six are required), ready
        for ``kapot.ingest(sales=...)`` (amount is quantity x price there). Lines without a
        customer are kept; ingestion counts and reports them.

    Raises
    ------
    KapotError
        If the file is missing or lacks a required column (named, with the columns found).
    """
    path = Path(path)
    if not path.exists():
        raise KapotError(tr("ingest.file_missing"), file=str(path))
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        raw = pd.read_parquet(path)
    elif suffix in (".xlsx", ".xls"):
        raw = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0)
    else:
        raw = pd.read_csv(path, encoding="latin-1" if suffix == ".csv" else None, dtype=str)
    cols = {c: ONLINE_RETAIL_MAPPING[c] for c in raw.columns if c in ONLINE_RETAIL_MAPPING}
    missing = {"invoice_id", "sku", "quantity", "date", "price", "client_id"} - set(cols.values())
    if missing:
        raise KapotError(
            tr(
                "ingest.missing_column",
                canonical=", ".join(sorted(missing)),
                found=", ".join(map(str, raw.columns)),
            ),
            file=str(path),
        )
    return raw[list(cols)].rename(columns=cols)
