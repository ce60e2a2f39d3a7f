-- The canonical warehouse tables. Created if missing on every write.
CREATE TABLE IF NOT EXISTS sales (
    date        DATE    NOT NULL,
    invoice_id  VARCHAR,
    client_id   VARCHAR NOT NULL,
    sku         VARCHAR NOT NULL,
    quantity    DOUBLE  NOT NULL,
    amount      DOUBLE  NOT NULL,
    is_return   BOOLEAN NOT NULL,
    line_key    UBIGINT NOT NULL,  -- 64-bit hash of the line's content and its ordinal among identical lines
    load_id     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS clients (
    client_id          VARCHAR PRIMARY KEY,
    name               VARCHAR,
    inn                VARCHAR,
    region             VARCHAR,
    city               VARCHAR,
    industry           VARCHAR,
    manager            VARCHAR,
    payment_terms_days INTEGER,
    contact_person     VARCHAR,
    phone              VARCHAR,
    email              VARCHAR
);
CREATE TABLE IF NOT EXISTS products (
    sku           VARCHAR PRIMARY KEY,
    name          VARCHAR,
    category      VARCHAR,
    price         DOUBLE,
    in_assortment BOOLEAN,
    stock_qty     DOUBLE,
    stock_since   DATE
);
CREATE TABLE IF NOT EXISTS invoices (
    invoice_id VARCHAR PRIMARY KEY,
    client_id  VARCHAR NOT NULL,
    issued     DATE    NOT NULL,
    due        DATE,
    paid       DATE,
    amount     DOUBLE  NOT NULL
);
CREATE TABLE IF NOT EXISTS categories (
    category_id VARCHAR PRIMARY KEY,
    category    VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS loads (
    load_id    INTEGER PRIMARY KEY,
    loaded_at  TIMESTAMP NOT NULL,
    report     JSON NOT NULL
);
-- Settings of the company (key 'currency': an ISO 4217 code), written by loads and `kapot currency`.
CREATE TABLE IF NOT EXISTS settings (
    key        VARCHAR PRIMARY KEY,
    value      VARCHAR NOT NULL,
    source     VARCHAR NOT NULL,  -- given, mapping, guessed, changed
    changed_at TIMESTAMP NOT NULL
);
-- One row per pipeline run published (kapot.pipeline): the date, what it built, with which code.
CREATE TABLE IF NOT EXISTS runs (
    run_id       INTEGER PRIMARY KEY,
    as_of        DATE      NOT NULL,
    horizon_days INTEGER,            -- NULL when the run did not score
    started      TIMESTAMP NOT NULL,
    finished     TIMESTAMP NOT NULL,
    steps        JSON      NOT NULL, -- step -> seconds, in run order
    row_counts   JSON      NOT NULL, -- table -> rows published
    code_version VARCHAR   NOT NULL
);
