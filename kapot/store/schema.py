"""The canonical data model: tables, columns, types and the header names we recognise."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Column", "Table", "TABLES", "normalise_header"]


@dataclass(frozen=True)
class Column:
    """A canonical column. ``kind`` is one of id, text, date, number, int, bool."""

    name: str
    kind: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Table:
    """A canonical input table: its stored columns and the extra columns it may carry.

    ``extras`` are columns an input file may hold beside the table's own (a sales export with
    the client's region or the product's category); they enrich the other tables.
    """

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    extras: tuple[Column, ...] = field(default=())

    def column(self, name: str) -> Column:
        """The column ``name`` (canonical or extra); KeyError if the table has none.

        Parameters
        ----------
        name : str
            A canonical column name (``client_id``), not a header of a file.

        Returns
        -------
        Column
        """
        for col in self.columns + self.extras:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """The canonical columns, then the extras."""
        return self.columns + self.extras


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


def _syn(*names: str) -> tuple[str, ...]:
    return tuple(normalise_header(n) for n in names)


_CLIENT_ID = _syn(
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
_CLIENT_NAME = _syn(
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
_SKU = _syn(
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
_PRODUCT_NAME = _syn(
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
_CATEGORY = _syn(
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
_REGION = _syn("region", "country", "county", "state", "регион", "область", "страна", "округ")
_CITY = _syn("city", "town", "город", "населенный пункт")
_INDUSTRY = _syn(
    "industry", "sector", "segment", "отрасль", "вид деятельности", "сфера деятельности"
)
_MANAGER = _syn(
    "manager",
    "sales manager",
    "sales rep",
    "salesperson",
    "менеджер",
    "ответственный",
    "торговый представитель",
)
_INN = _syn("inn", "tax id", "taxid", "vat", "vat no", "инн")
_PRICE = _syn(
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

SALES = Table(
    name="sales",
    key=("line_key",),
    columns=(
        Column(
            "date",
            "date",
            _syn(
                "date",
                "invoicedate",
                "invoice date",
                "posting date",
                "order date",
                "sale date",
                "document date",
                "дата",
                "дата документа",
                "период",
                "дата продажи",
                "дата отгрузки",
            ),
            required=True,
            description="date of the invoice line",
        ),
        Column(
            "invoice_id",
            "id",
            _syn(
                "invoice_id",
                "invoice",
                "invoiceno",
                "invoice no",
                "invoice number",
                "invoice/item number",
                "document",
                "document no",
                "order id",
                "order no",
                "документ",
                "номер документа",
                "накладная",
                "регистратор",
                "номер накладной",
                "реализация",
                "документ продажи",
            ),
            description="invoice or shipment document",
        ),
        Column("client_id", "id", _CLIENT_ID, required=True, description="buyer"),
        Column("sku", "id", _SKU, required=True, description="product code"),
        Column(
            "quantity",
            "number",
            _syn(
                "quantity",
                "qty",
                "units",
                "bottles sold",
                "item_cnt_day",
                "количество",
                "кол-во",
                "колво",
                "количество шт",
            ),
            required=True,
            description="units; negative for returns",
        ),
        Column(
            "amount",
            "number",
            _syn(
                "amount",
                "net amount",
                "sales amount",
                "revenue",
                "sale (dollars)",
                "sum",
                "total",
                "line total",
                "сумма",
                "сумма с ндс",
                "сумма продажи",
                "выручка",
                "стоимость",
                "сумма без ндс",
            ),
            required=True,
            description="line value; negative for returns and credit notes",
        ),
    ),
    extras=(
        Column("price", "number", _PRICE),
        Column("client_name", "text", _CLIENT_NAME),
        Column("region", "text", _REGION),
        Column("city", "text", _CITY),
        Column("industry", "text", _INDUSTRY),
        Column("manager", "text", _MANAGER),
        Column("inn", "id", _INN),
        Column("product_name", "text", _PRODUCT_NAME),
        Column("category", "text", _CATEGORY),
    ),
)

CLIENTS = Table(
    name="clients",
    key=("client_id",),
    columns=(
        Column("client_id", "id", _CLIENT_ID, required=True),
        Column("name", "text", _CLIENT_NAME + _syn("name", "shop_name", "наименование")),
        Column("inn", "id", _INN),
        Column("region", "text", _REGION),
        Column("city", "text", _CITY),
        Column("industry", "text", _INDUSTRY),
        Column("manager", "text", _MANAGER),
        Column(
            "payment_terms_days",
            "int",
            _syn(
                "payment_terms_days",
                "payment terms",
                "terms",
                "credit days",
                "отсрочка",
                "отсрочка платежа",
                "отсрочка дней",
                "условия оплаты",
            ),
        ),
        Column(
            "contact_person",
            "text",
            _syn(
                "contact_person",
                "contact",
                "contact name",
                "контактное лицо",
                "контакт",
            ),
        ),
        Column("phone", "text", _syn("phone", "telephone", "tel", "телефон", "тел")),
        Column("email", "text", _syn("email", "e-mail", "mail", "электронная почта", "почта")),
    ),
)

PRODUCTS = Table(
    name="products",
    key=("sku",),
    columns=(
        Column("sku", "id", _SKU, required=True),
        Column("name", "text", _PRODUCT_NAME + _syn("name")),
        Column("category", "text", _CATEGORY),
        Column("price", "number", _PRICE),
        Column(
            "in_assortment",
            "bool",
            _syn(
                "in_assortment",
                "active",
                "available",
                "in stock",
                "в ассортименте",
                "активен",
                "доступен",
            ),
        ),
        Column(
            "stock_qty",
            "number",
            _syn(
                "stock_qty",
                "stock",
                "on hand",
                "qty on hand",
                "остаток",
                "остаток шт",
                "количество на складе",
            ),
        ),
        Column(
            "stock_since",
            "date",
            _syn(
                "stock_since",
                "stock date",
                "received",
                "receipt date",
                "дата поступления",
                "дата прихода",
            ),
        ),
    ),
)

INVOICES = Table(
    name="invoices",
    key=("invoice_id",),
    columns=(
        Column(
            "invoice_id",
            "id",
            _syn(
                "invoice_id",
                "invoicenumber",
                "invoice number",
                "invoice no",
                "invoice",
                "документ",
                "номер документа",
                "счет",
                "номер счета",
            ),
            required=True,
        ),
        Column("client_id", "id", _CLIENT_ID, required=True),
        Column(
            "issued",
            "date",
            _syn(
                "issued",
                "invoicedate",
                "invoice date",
                "issue date",
                "date",
                "дата",
                "дата счета",
                "дата документа",
            ),
            required=True,
        ),
        Column(
            "due",
            "date",
            _syn(
                "due",
                "duedate",
                "due date",
                "payment due",
                "срок оплаты",
                "дата оплаты по договору",
            ),
        ),
        Column(
            "paid",
            "date",
            _syn(
                "paid",
                "settleddate",
                "settled date",
                "paid date",
                "payment date",
                "дата оплаты",
                "оплачено",
            ),
        ),
        Column(
            "amount",
            "number",
            _syn(
                "amount",
                "invoiceamount",
                "invoice amount",
                "total",
                "сумма",
                "сумма счета",
            ),
            required=True,
        ),
    ),
)

CATEGORIES = Table(
    name="categories",
    key=("category_id",),
    columns=(
        Column(
            "category_id",
            "id",
            _syn(
                "category_id",
                "item_category_id",
                "category code",
                "код группы",
                "код категории",
            ),
            required=True,
        ),
        Column(
            "category",
            "text",
            _syn(
                "category",
                "item_category_name",
                "category name",
                "name",
                "наименование",
                "категория",
                "группа",
            ),
            required=True,
        ),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (SALES, CLIENTS, PRODUCTS, INVOICES, CATEGORIES)}
