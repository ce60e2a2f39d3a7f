"""The header names we recognise, in English and Russian: how a file's header is normalised
for matching (:func:`normalise_header`) and the synonyms several canonical tables share (the
client's id and name, the SKU, the product's name and category, region, city, industry,
manager, INN, price). The tables themselves are in :mod:`kapot.store.schema`."""

from __future__ import annotations

import re

__all__ = [
    "normalise_header",
    "synonyms",
    "CLIENT_ID",
    "CLIENT_NAME",
    "SKU",
    "PRODUCT_NAME",
    "CATEGORY",
    "REGION",
    "CITY",
    "INDUSTRY",
    "MANAGER",
    "INN",
    "PRICE",
]


def normalise_header(text: object) -> str:
    """Lower-case a header and keep only letters and digits (Latin and Cyrillic).

    Parameters
    ----------
    text : object
        A header cell as read (a number or None is turned into text first).

    Returns
    -------
    str
        The key headers are matched on: ``"Customer ID"`` -> ``"customerid"``, ``ё`` -> ``е``.
    """
    return re.sub(r"[^0-9a-zа-яё]", "", str(text).strip().lower().replace("ё", "е"))


def synonyms(*names: str) -> tuple[str, ...]:
    """Headers as a column's synonyms: each normalised as files' headers are.

    Parameters
    ----------
    *names : str
        Headers as they appear in exports (``"Customer ID"``, ``"Код клиента"``).

    Returns
    -------
    tuple of str
        Their :func:`normalise_header` keys, in the order given (the first match wins).
    """
    return tuple(normalise_header(n) for n in names)


# the synonyms several tables share (a sales export carries the client's and the product's
# columns too); each table's own columns list theirs in kapot.store.schema
CLIENT_ID = synonyms(
    "client_id",
    "customer id",
    "customerid",
    "customer",
    "customer no",
    "customer number",
    "client",
    "client no",
    "account",
    "account no",
    "store number",
    "store",
    "shop_id",
    "shop",
    "код контрагента",
    "код клиента",
    "код покупателя",
    "контрагент код",
    "id клиента",
    "контрагент",
    "покупатель",
    "клиент",
    "заказчик",
    "грузополучатель",
)
CLIENT_NAME = synonyms(
    "client_name",
    "customer name",
    "client name",
    "name of customer",
    "store name",
    "company",
    "наименование контрагента",
    "контрагент наименование",
    "наименование клиента",
    "наименование покупателя",
    "организация",
)
SKU = synonyms(
    "sku",
    "stockcode",
    "stock code",
    "item no",
    "item number",
    "item id",
    "item_id",
    "item code",
    "product code",
    "product id",
    "article",
    "артикул",
    "код номенклатуры",
    "код товара",
    "номенклатура код",
    "номенклатура",
    "товар",
)
PRODUCT_NAME = synonyms(
    "product_name",
    "description",
    "item description",
    "item name",
    "item_name",
    "product name",
    "product",
    "наименование номенклатуры",
    "наименование товара",
    "наименование",
    "номенклатура наименование",
    "номенклатура",
    "товар",
)
CATEGORY = synonyms(
    "category name",
    "category",
    "item group",
    "product group",
    "item category",
    "item_category_id",
    "category id",
    "категория",
    "группа номенклатуры",
    "группа товаров",
    "вид номенклатуры",
    "товарная группа",
    "группа",
)
REGION = synonyms("region", "country", "county", "state", "регион", "область", "страна", "округ")
CITY = synonyms("city", "town", "город", "населенный пункт")
INDUSTRY = synonyms(
    "industry", "sector", "segment", "отрасль", "вид деятельности", "сфера деятельности"
)
MANAGER = synonyms(
    "manager",
    "sales manager",
    "sales rep",
    "salesperson",
    "менеджер",
    "ответственный",
    "торговый представитель",
)
INN = synonyms("inn", "tax id", "taxid", "vat", "vat no", "инн")
PRICE = synonyms(
    "price",
    "unitprice",
    "unit price",
    "item_price",
    "sales price",
    "state bottle retail",
    "цена",
    "цена продажи",
    "цена за единицу",
)
