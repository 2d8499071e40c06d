-- Past checks made in the web app (veritext.web.history): the verdict exactly as it was shown, as JSON.
-- The message text is personal data: it stays in this file on this computer, deletable one by one or all at once.
CREATE TABLE check_history (
    id         INTEGER PRIMARY KEY,
    checked_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    kind       TEXT NOT NULL,
    risk       TEXT NOT NULL CHECK (risk IN ('low', 'medium', 'high')),
    language   TEXT NOT NULL,
    sender     TEXT,
    text       TEXT NOT NULL,
    verdict    TEXT NOT NULL
);
CREATE INDEX check_history_checked_at ON check_history (checked_at);
