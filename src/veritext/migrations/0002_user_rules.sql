-- The person's own rules (veritext.userrules): one validated TOML document, as `veritext rules import` saved it.
CREATE TABLE user_rules (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    toml       TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
