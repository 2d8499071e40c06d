-- The person's loans (veritext.ledger.Loan). Amounts and rates are Decimal text, dates YYYY-MM-DD.
CREATE TABLE loans (
    id             INTEGER PRIMARY KEY,
    lender         TEXT NOT NULL,
    institution_id TEXT,
    product        TEXT NOT NULL DEFAULT '',
    principal      TEXT,
    outstanding    TEXT NOT NULL,
    currency       TEXT NOT NULL DEFAULT 'CNY',
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paid', 'disputed')),
    annual_rate    TEXT,
    penalty_rate   TEXT,
    penalty_basis  TEXT NOT NULL DEFAULT 'daily' CHECK (penalty_basis IN ('daily', 'annual')),
    app            TEXT NOT NULL DEFAULT '',
    hotline        TEXT NOT NULL DEFAULT '',
    website        TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Due dates or an instalment schedule; amount NULL means "the outstanding amount is due that day".
CREATE TABLE instalments (
    loan_id INTEGER NOT NULL REFERENCES loans (id) ON DELETE CASCADE,
    due     TEXT NOT NULL,
    amount  TEXT,
    paid    INTEGER NOT NULL DEFAULT 0 CHECK (paid IN (0, 1)),
    PRIMARY KEY (loan_id, due)
);
CREATE INDEX instalments_due ON instalments (due);
