"""The canonical data model: tables, their columns and types, and the headers each column is
recognised by (the synonyms several tables share are in :mod:`kapot.store.headers`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kapot.store.headers import (
    CATEGORY,
    CITY,
    CLIENT_ID,
    CLIENT_NAME,
    INDUSTRY,
    INN,
    MANAGER,
    PRICE,
    PRODUCT_NAME,
    REGION,
    SKU,
    synonyms,
)

__all__ = ["Column", "Table", "TABLES"]


@dataclass(frozen=True)
class Column:
    """A canonical column.

    Parameters
    ----------
    name : str
        Its canonical name (``client_id``), as stored in the warehouse.
    kind : str
        How its values are parsed: ``id``, ``text``, ``date``, ``number``, ``int`` or ``bool``.
    synonyms : tuple of str
        The headers it is recognised by, normalised (:func:`kapot.store.headers.synonyms`); the
        first found in a file wins (a mapping file's name comes before them).
    required : bool
        A file without it is refused, and a row without a value dropped (or refused when
        strict).
    description : str
        What it holds, for the reader of the schema.
    """

    name: str
    kind: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Table:
    """A canonical input table: its stored columns and the extra columns it may carry.

    Parameters
    ----------
    name : str
        Its name (``sales``, ``clients``, ``products``, ``invoices``, ``categories``), the
        warehouse table's too.
    key : tuple of str
        The columns that identify a row: a load refreshes a stored row with the same key;
        for ``sales``, ``line_key`` (a hash of the line, computed at load): a line stored
        already is skipped.
    columns : tuple of Column
        Its own columns.
    extras : tuple of Column
        Columns an input file may hold beside the table's own (a sales export with the
        client's region or the product's category); they enrich the other tables.
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


SALES = Table(
    name="sales",
    key=("line_key",),
    columns=(
        Column(
            "date",
            "date",
            synonyms(
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
            synonyms(
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
        Column("client_id", "id", CLIENT_ID, required=True, description="buyer"),
        Column("sku", "id", SKU, required=True, description="product code"),
        Column(
            "quantity",
            "number",
            synonyms(
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
            synonyms(
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
        Column("price", "number", PRICE),
        Column("client_name", "text", CLIENT_NAME),
        Column("region", "text", REGION),
        Column("city", "text", CITY),
        Column("industry", "text", INDUSTRY),
        Column("manager", "text", MANAGER),
        Column("inn", "id", INN),
        Column("product_name", "text", PRODUCT_NAME),
        Column("category", "text", CATEGORY),
    ),
)

CLIENTS = Table(
    name="clients",
    key=("client_id",),
    columns=(
        Column("client_id", "id", CLIENT_ID, required=True),
        Column("name", "text", CLIENT_NAME + synonyms("name", "shop_name", "наименование")),
        Column("inn", "id", INN),
        Column("region", "text", REGION),
        Column("city", "text", CITY),
        Column("industry", "text", INDUSTRY),
        Column("manager", "text", MANAGER),
        Column(
            "payment_terms_days",
            "int",
            synonyms(
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
            synonyms(
                "contact_person",
                "contact",
                "contact name",
                "контактное лицо",
                "контакт",
            ),
        ),
        Column("phone", "text", synonyms("phone", "telephone", "tel", "телефон", "тел")),
        Column("email", "text", synonyms("email", "e-mail", "mail", "электронная почта", "почта")),
    ),
)

PRODUCTS = Table(
    name="products",
    key=("sku",),
    columns=(
        Column("sku", "id", SKU, required=True),
        Column("name", "text", PRODUCT_NAME + synonyms("name")),
        Column("category", "text", CATEGORY),
        Column("price", "number", PRICE),
        Column(
            "in_assortment",
            "bool",
            synonyms(
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
            synonyms(
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
            synonyms(
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
            synonyms(
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
        Column("client_id", "id", CLIENT_ID, required=True),
        Column(
            "issued",
            "date",
            synonyms(
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
            synonyms(
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
            synonyms(
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
            synonyms(
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
            synonyms(
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
            synonyms(
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
