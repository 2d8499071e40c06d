"""The HTML pages: Check, My loans, History, and the language switch. Server-rendered forms, no scripts.

A front end only: the Check page hands the message to :func:`veritext.triage` and renders the verdict;
the loans pages validate through :mod:`veritext.ledger` and store through :mod:`veritext.store`. Every
form posts a CSRF token, checked for every unsafe request of this router (:func:`_csrf_guard`).
Successful form posts redirect (303) to a page that shows a fixed notice chosen by a query key.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from veritext.ledger import (
    CSV_COLUMNS,
    CsvError,
    LedgerError,
    Loan,
    decode_csv,
    institution_label,
    loan_fields,
    loan_from_fields,
    read_csv,
    write_csv,
)
from veritext.message import ANSWERS, JURISDICTIONS
from veritext.store import MissingLoan, StoreError
from veritext.web import history
from veritext.web.config import MAX_BODY_BYTES, MAX_SENDER_CHARS, MAX_TEXT_CHARS
from veritext.web.i18n import LANG_COOKIE, LANGS, ui
from veritext.web.problems import WebError
from veritext.web.render import Renderer
from veritext.web.security import CSRF_COOKIE, CSRF_FIELD, check_csrf
from veritext.web.service import due_list, personal, run_check
from veritext.web.slots import in_triage_slot
from veritext.web.state import config as _config
from veritext.web.state import provider as _provider

__all__ = ["router"]

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ID_MAX = 2**63 - 1
_PAGE_SIZE = 50
_DUE_DAYS = 30
# The form edits what the CSV format holds, minus the ids the store assigns.
_LOAN_FORM_FIELDS = tuple(c for c in CSV_COLUMNS if c not in ("id", "institution_id"))


async def _csrf_guard(request: Request) -> None:
    """Refuse (403) any unsafe request whose form lacks the CSRF token matching the cookie."""
    if request.method not in _UNSAFE:
        return
    form = await request.form()
    field = form.get(CSRF_FIELD)
    check_csrf(
        secret=request.app.state.secret,
        cookie=request.cookies.get(CSRF_COOKIE),
        field=field if isinstance(field, str) else None,
    )


router = APIRouter(include_in_schema=False, dependencies=[Depends(_csrf_guard)])

ItemId = Annotated[int, Path(ge=1, le=_ID_MAX)]


def _renderer(request: Request) -> Renderer:
    renderer: Renderer = request.app.state.renderer
    return renderer


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _safe_next(target: str) -> str:
    """A local path to go back to (never another site: no scheme, no ``//``, no backslash)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return "/"
    return target


# ---------------------------------------------------------------------- language


@router.post("/lang")
def switch_language(lang: Annotated[str, Form()] = "en", next: Annotated[str, Form()] = "/") -> Response:
    """Remember the interface language in a cookie (one year) and go back to the page."""
    response = _see_other(_safe_next(next))
    if lang in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", path="/", httponly=True)
    return response


# ---------------------------------------------------------------------- check


def _check_form(**values: Any) -> dict[str, Any]:
    form = {
        "text": "",
        "sender": "",
        "has_loan": "unknown",
        "requested_code": "unknown",
        "jurisdiction": "",
        "received_at": "",
        "save": True,
    }
    form.update(values)
    return form


def _check_page(request: Request, *, status: int = 200, **context: Any) -> HTMLResponse:
    loans = _provider(request).store().loans()
    context.setdefault("form", _check_form())
    context.setdefault("errors", [])
    context.setdefault("verdict", None)
    context.setdefault("saved_id", None)
    return _renderer(request).page(
        request,
        "check.html",
        status=status,
        active="check",
        loan_count=len(loans),
        answers=ANSWERS,
        jurisdictions=JURISDICTIONS,
        **context,
    )


@router.get("/", response_class=HTMLResponse)
def check_page(request: Request) -> HTMLResponse:
    """The Check page: paste a message, answer two questions."""
    return _check_page(request)


@router.post("/check", response_class=HTMLResponse)
async def check_submit(
    request: Request,
    text: Annotated[str, Form()] = "",
    sender: Annotated[str, Form()] = "",
    has_loan: Annotated[str, Form()] = "unknown",
    requested_code: Annotated[str, Form()] = "unknown",
    jurisdiction: Annotated[str, Form()] = "",
    received_at: Annotated[str, Form()] = "",
    save: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Triage the pasted message and show the verdict below the form (saved to history if asked)."""
    lang = _renderer(request).lang(request)
    form = _check_form(
        text=text,
        sender=sender,
        has_loan=has_loan,
        requested_code=requested_code,
        jurisdiction=jurisdiction,
        received_at=received_at,
        save=bool(save),
    )
    errors: list[str] = []
    if not text.strip():
        errors.append(ui("err_text_required", lang))
    if len(text) > MAX_TEXT_CHARS:
        errors.append(ui("err_text_too_long", lang, n=MAX_TEXT_CHARS))
    if len(sender) > MAX_SENDER_CHARS:
        errors.append(ui("err_sender_too_long", lang, n=MAX_SENDER_CHARS))
    for name, value, allowed in (
        ("has_loan", has_loan, ANSWERS),
        ("requested_code", requested_code, ANSWERS),
        ("jurisdiction", jurisdiction, ("", *JURISDICTIONS)),
    ):
        if value not in allowed:
            errors.append(ui("err_bad_choice", lang, field=name))
    when: datetime | None = None
    if received_at.strip():
        try:
            when = datetime.fromisoformat(received_at.strip())
        except ValueError:
            errors.append(ui("err_bad_time", lang))
    if errors:
        return _check_page(request, status=422, form=form, errors=errors)
    provider = _provider(request)
    keep = _config(request).history_limit

    def work() -> tuple[dict[str, Any], int | None]:
        verdict = run_check(
            personal=personal(provider, use_ledger=True),
            text=text,
            sender=sender.strip() or None,
            received_at=when,
            has_loan=has_loan,
            requested_code=requested_code,
            jurisdiction=jurisdiction or None,
        )
        data = verdict.to_dict()
        return data, (history.add(provider.store(), verdict=data, keep=keep) if save else None)

    data, saved_id = await in_triage_slot(work)
    return _check_page(
        request,
        form=form,
        verdict=data,
        saved_id=saved_id,
        here=f"/history/{saved_id}" if saved_id else "/",
    )


# ---------------------------------------------------------------------- loans


def _loan_rows(loans: tuple[Loan, ...], lang: str, today: date) -> list[dict[str, Any]]:
    rows = []
    for loan in loans:
        inst = loan.institution()
        nxt = loan.next_due(today)
        rows.append(
            {
                "loan": loan,
                "registry": institution_label(inst, lang) if inst is not None else None,
                "next_due": nxt.due.isoformat() if nxt is not None else "",
                "overdue": loan.days_overdue(today) or 0,
            }
        )
    return rows


def _loan_form(loan: Loan | None = None, values: dict[str, str] | None = None) -> dict[str, str]:
    form = {name: "" for name in _LOAN_FORM_FIELDS}
    form.update(currency="CNY", status="active")
    if loan is not None:
        fields = loan_fields(loan)
        form.update({k: fields.get(k, "") for k in _LOAN_FORM_FIELDS})
        # Written here rather than with ledger.format_due, which writes a paid date without an amount as
        # "YYYY-MM-DD==paid", a form ledger.parse_due does not read back.
        form["due"] = "\n".join(
            i.due.isoformat() + (f"={i.amount:f}" if i.amount is not None else "") + ("=paid" if i.paid else "")
            for i in loan.schedule
        )
    form.update(values or {})
    return form


def _notice(request: Request, lang: str) -> str | None:
    """The fixed message a redirect asked for (``?notice=KEY`` with numeric ``id`` / ``n``)."""
    key = request.query_params.get("notice", "")
    allowed = {"loan_added", "loan_updated", "loan_removed", "imported", "history_deleted", "history_cleared"}
    if key not in allowed:
        return None
    numbers = {}
    for name in ("id", "n"):
        raw = request.query_params.get(name, "0")
        numbers[name] = int(raw) if raw.isdigit() and len(raw) < 12 else 0
    if key in ("loan_added", "loan_updated"):
        loan = _provider(request).store().loan(numbers["id"]) if numbers["id"] else None
        return ui(key, lang, id=numbers["id"], lender=loan.lender) if loan is not None else None
    return ui(key, lang, **numbers)


def _loans_page(
    request: Request,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    import_errors: list[str] | None = None,
) -> HTMLResponse:
    renderer = _renderer(request)
    lang = renderer.lang(request)
    today = date.today()
    loans = _provider(request).store().loans()
    return renderer.page(
        request,
        "loans.html",
        status=status,
        active="loans",
        rows=_loan_rows(loans, lang, today),
        due=due_list(loans, today=today, within_days=_DUE_DAYS),
        form=form or _loan_form(),
        errors=errors or [],
        import_errors=import_errors or [],
        notice=_notice(request, lang),
    )


def _form_fields(values: dict[str, str]) -> dict[str, str]:
    fields = dict(values)
    fields["due"] = ";".join(line.strip() for line in values.get("due", "").splitlines() if line.strip())
    return fields


@router.get("/loans", response_class=HTMLResponse)
def loans_page(request: Request) -> HTMLResponse:
    """My loans: due dates, the list, the add form and the CSV import."""
    return _loans_page(request)


async def _loan_values(request: Request) -> dict[str, str]:
    form = await request.form()
    out = {}
    for name in _LOAN_FORM_FIELDS:
        value = form.get(name)
        out[name] = value if isinstance(value, str) else ""
    return out


@router.post("/loans", response_class=HTMLResponse)
async def add_loan(request: Request) -> Response:
    """Add a loan from the form, or show the form again with what to fix."""
    values = await _loan_values(request)
    try:
        loan = loan_from_fields(_form_fields(values))
    except LedgerError as exc:
        return _loans_page(request, status=422, form=_loan_form(values=values), errors=str(exc).split("; "))
    try:
        saved = _provider(request).store().add_loan(loan)
    except StoreError as exc:
        return _loans_page(request, status=500, form=_loan_form(values=values), errors=[str(exc)])
    return _see_other(f"/loans?notice=loan_added&id={saved.id}")


@router.get("/loans/export.csv")
def export_loans(request: Request) -> Response:
    """Every loan as CSV (the format the import reads)."""
    data = write_csv(_provider(request).store().loans()).encode("utf-8")
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="veritext-loans.csv"'},
    )


@router.post("/loans/import", response_class=HTMLResponse)
async def import_loans(request: Request, replace: Annotated[str, Form()] = "") -> Response:
    """Import a CSV file: every row is checked first; then all are saved, or none."""
    lang = _renderer(request).lang(request)
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _loans_page(request, status=422, import_errors=[ui("no_file", lang)])
    data = await upload.read(MAX_BODY_BYTES + 1)
    try:
        loans = read_csv(decode_csv(data))
    except CsvError as exc:
        lines = [str(e) for e in exc.errors] if exc.errors else [str(exc)]
        return _loans_page(request, status=422, import_errors=lines)
    try:
        saved = _provider(request).store().add_loans(loans, replace=bool(replace))
    except StoreError as exc:
        return _loans_page(request, status=500, import_errors=[str(exc)])
    return _see_other(f"/loans?notice=imported&n={len(saved)}")


def _not_found() -> WebError:
    """The page-level 404 every missing loan or history entry gets."""
    return WebError.from_key(status=404, slug="not-found", key="err_not_found")


def _loan_or_404(request: Request, loan_id: int) -> Loan:
    loan = _provider(request).store().loan(loan_id)
    if loan is None:
        raise _not_found()
    return loan


@router.get("/loans/{loan_id}/edit", response_class=HTMLResponse)
def edit_loan_page(request: Request, loan_id: ItemId) -> HTMLResponse:
    """The edit form of one loan."""
    loan = _loan_or_404(request, loan_id)
    return _renderer(request).page(
        request, "loan_edit.html", active="loans", loan_id=loan_id, form=_loan_form(loan), errors=[]
    )


@router.post("/loans/{loan_id}", response_class=HTMLResponse)
async def update_loan(request: Request, loan_id: ItemId) -> Response:
    """Save the edited loan, or show the form again with what to fix."""
    _loan_or_404(request, loan_id)
    values = await _loan_values(request)
    try:
        loan = loan_from_fields(_form_fields(values), loan_id=loan_id)
        _provider(request).store().update_loan(loan)
    except MissingLoan:
        # Deleted by another request since the look-up above.
        raise _not_found() from None
    except (LedgerError, StoreError) as exc:
        return _renderer(request).page(
            request,
            "loan_edit.html",
            status=422,
            active="loans",
            loan_id=loan_id,
            form=_loan_form(values=values),
            errors=str(exc).split("; "),
        )
    return _see_other(f"/loans?notice=loan_updated&id={loan_id}")


@router.post("/loans/{loan_id}/delete")
def delete_loan(request: Request, loan_id: ItemId) -> Response:
    """Delete one loan."""
    if not _provider(request).store().remove_loan(loan_id):
        raise _not_found()
    return _see_other(f"/loans?notice=loan_removed&id={loan_id}")


# ---------------------------------------------------------------------- history


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> HTMLResponse:
    """Saved checks, newest first, 50 a page."""
    renderer = _renderer(request)
    store = _provider(request).store()
    total = history.count(store)
    pages = max(1, -(-total // _PAGE_SIZE))
    page = min(page, pages)
    entries = history.page(store, limit=_PAGE_SIZE, offset=(page - 1) * _PAGE_SIZE)
    return renderer.page(
        request,
        "history.html",
        active="history",
        entries=entries,
        total=total,
        page=page,
        pages=pages,
        keep=_config(request).history_limit,
        notice=_notice(request, renderer.lang(request)),
    )


@router.get("/history/{entry_id}", response_class=HTMLResponse)
def history_item(request: Request, entry_id: ItemId) -> HTMLResponse:
    """One saved check, rendered from the verdict as it was stored."""
    record = history.get(_provider(request).store(), entry_id=entry_id)
    if record is None:
        raise _not_found()
    return _renderer(request).page(
        request, "history_item.html", active="history", record=record, verdict=record.verdict
    )


@router.post("/history/clear")
def clear_history(request: Request) -> Response:
    """Delete every saved check."""
    n = history.clear(_provider(request).store())
    return _see_other(f"/history?notice=history_cleared&n={n}")


@router.post("/history/{entry_id}/delete")
def delete_history(request: Request, entry_id: ItemId) -> Response:
    """Delete one saved check."""
    if not history.delete(_provider(request).store(), entry_id=entry_id):
        raise _not_found()
    return _see_other("/history?notice=history_deleted")
