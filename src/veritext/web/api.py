"""The REST API under ``/api/v1``: triage (one or a batch), loans CRUD and import, due dates, history.

A front end only: a verdict is :func:`veritext.triage`'s ``Verdict.to_dict()`` unchanged (the same JSON
as ``veritext check --json``); loans are validated by :mod:`veritext.ledger` and stored by
:mod:`veritext.store`. Every error is an RFC 9457 problem document (see :mod:`veritext.web.problems`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

import veritext
from veritext.ledger import CsvError, LedgerError, loan_from_fields, read_csv
from veritext.message import I18nText
from veritext.store import MissingLoan, StoreError
from veritext.web import history
from veritext.web.problems import WebError, problem_responses
from veritext.web.schemas import (
    BatchIn,
    BatchOut,
    DueItemOut,
    HealthOut,
    HistoryDeletedOut,
    HistoryListOut,
    HistoryRecordOut,
    ImportIn,
    ImportOut,
    LoanIn,
    LoanOut,
    TriageIn,
    VerdictOut,
)
from veritext.web.service import Personal, due_list, personal, run_check
from veritext.web.slots import in_triage_slot
from veritext.web.state import config as _config
from veritext.web.state import provider as _provider

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["api"])

_ID_MAX = 2**63 - 1  # SQLite's integer range
LoanId = Annotated[int, Path(ge=1, le=_ID_MAX, description="The loan's id.")]
EntryId = Annotated[int, Path(ge=1, le=_ID_MAX, description="The history entry's id.")]

_READ = problem_responses(400, 401, 403, 413, 422, 500)
_WRITE = problem_responses(400, 401, 403, 413, 415, 422, 500)
_READ_ONE = problem_responses(400, 401, 403, 404, 413, 422, 500)
_WRITE_ONE = problem_responses(400, 401, 403, 404, 413, 415, 422, 500)


def _ok(model: type[Any], description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "description": description}}


def _not_found(what: tuple[str, str], item_id: int) -> WebError:
    return WebError(
        status=404,
        slug="not-found",
        detail=I18nText(zh=f"没有编号为 {item_id} 的{what[0]}", en=f"There is no {what[1]} #{item_id}."),
    )


def _ledger_error(exc: Exception) -> WebError:
    return WebError(status=422, slug="invalid-loan", detail=I18nText(zh=f"贷款信息有误：{exc}", en=str(exc)))


def _store_error(exc: StoreError) -> WebError:
    return WebError(status=500, slug="store-error", detail=I18nText(zh=f"数据库错误：{exc}", en=str(exc)))


# ---------------------------------------------------------------------- triage


@router.get(
    "/health", response_model=None, responses={**_ok(HealthOut, "The server is up."), **_READ}, summary="Is it up?"
)
def health() -> JSONResponse:
    """The server is up; its version and the verdict schema version."""
    return JSONResponse({"status": "ok", "version": veritext.__version__, "schema_version": veritext.SCHEMA_VERSION})


@router.post(
    "/triage",
    response_model=None,
    responses={**_ok(VerdictOut, "The verdict: the same JSON as `veritext check --json`."), **_WRITE},
    summary="Triage one message",
)
async def triage(body: TriageIn, request: Request) -> JSONResponse:
    """What the message is, how risky, why (signals with spans into the original text), and the plan."""
    provider = _provider(request)
    keep = _config(request).history_limit

    def work() -> dict[str, Any]:
        verdict = run_check(
            personal=personal(provider, use_ledger=body.context.use_ledger),
            text=body.text,
            sender=body.sender,
            received_at=body.received_at,
            has_loan=body.context.has_loan,
            requested_code=body.context.requested_code,
            jurisdiction=body.context.jurisdiction,
        )
        data = verdict.to_dict()
        if body.save:
            history.add(provider.store(), verdict=data, keep=keep)
        return data

    return JSONResponse(await in_triage_slot(work))


@router.post(
    "/triage/batch",
    response_model=None,
    responses={**_ok(BatchOut, "One verdict per message, in order."), **_WRITE},
    summary="Triage up to 100 messages",
)
async def triage_batch(body: BatchIn, request: Request) -> JSONResponse:
    """Triage each message in order; the body holds at most 100 messages (and at most the size limit)."""
    provider = _provider(request)
    keep = _config(request).history_limit

    def work() -> list[dict[str, Any]]:
        saved: dict[bool, Personal] = {}
        verdicts = []
        for item in body.messages:
            use = item.context.use_ledger
            if use not in saved:
                saved[use] = personal(provider, use_ledger=use)
            verdict = run_check(
                personal=saved[use],
                text=item.text,
                sender=item.sender,
                received_at=item.received_at,
                has_loan=item.context.has_loan,
                requested_code=item.context.requested_code,
                jurisdiction=item.context.jurisdiction,
            )
            data = verdict.to_dict()
            if item.save:
                history.add(provider.store(), verdict=data, keep=keep)
            verdicts.append(data)
        return verdicts

    return JSONResponse({"verdicts": await in_triage_slot(work)})


# ---------------------------------------------------------------------- loans


@router.get("/loans", response_model=None, responses={**_ok(list[LoanOut], "Every loan, by id."), **_READ})
def list_loans(request: Request) -> JSONResponse:
    """Every loan in the ledger."""
    return JSONResponse([loan.to_dict() for loan in _provider(request).store().loans()])


@router.post(
    "/loans",
    status_code=201,
    response_model=None,
    responses={201: {"model": LoanOut, "description": "The loan as stored, with its id."}, **_WRITE},
)
def add_loan(body: LoanIn, request: Request) -> JSONResponse:
    """Add a loan (validated like a CSV row); the lender is matched to the registry when it can be."""
    try:
        loan = loan_from_fields(body.fields())
    except LedgerError as exc:
        raise _ledger_error(exc) from None
    try:
        saved = _provider(request).store().add_loan(loan)
    except StoreError as exc:
        raise _store_error(exc) from None
    return JSONResponse(saved.to_dict(), status_code=201)


@router.get(
    "/loans/due",
    response_model=None,
    responses={**_ok(list[DueItemOut], "Unpaid due dates, earliest first, overdue ones included."), **_READ},
)
def due(
    request: Request,
    within_days: Annotated[int, Query(ge=0, le=3660, description="How many days ahead to look.")] = 30,
) -> JSONResponse:
    """What is due in the next ``within_days`` days, and anything already overdue."""
    loans = _provider(request).store().loans()
    return JSONResponse(due_list(loans, today=date.today(), within_days=within_days))


@router.post(
    "/loans/import",
    status_code=201,
    response_model=None,
    responses={201: {"model": ImportOut, "description": "Every row was valid and saved."}, **_WRITE},
)
def import_loans(body: ImportIn, request: Request) -> JSONResponse:
    """Import CSV: every row is checked first (a 422 lists each bad row); then all are saved, or none."""
    try:
        loans = read_csv(body.csv.removeprefix("\ufeff"))
    except CsvError as exc:
        errors = [{"loc": ["body", "csv", f"row {e.row}"], "msg": e.message, "type": "csv_row"} for e in exc.errors]
        raise WebError(
            status=422, slug="invalid-csv", detail=I18nText(zh=f"CSV 有误，未导入：{exc}", en=str(exc)), errors=errors
        ) from None
    try:
        saved = _provider(request).store().add_loans(loans, replace=body.replace)
    except StoreError as exc:
        raise _store_error(exc) from None
    return JSONResponse({"imported": len(saved), "loans": [loan.to_dict() for loan in saved]}, status_code=201)


@router.get("/loans/{loan_id:int}", response_model=None, responses={**_ok(LoanOut, "The loan."), **_READ_ONE})
def get_loan(loan_id: LoanId, request: Request) -> JSONResponse:
    """One loan."""
    loan = _provider(request).store().loan(loan_id)
    if loan is None:
        raise _not_found(("贷款", "loan"), loan_id)
    return JSONResponse(loan.to_dict())


@router.put(
    "/loans/{loan_id:int}", response_model=None, responses={**_ok(LoanOut, "The loan as stored."), **_WRITE_ONE}
)
def update_loan(loan_id: LoanId, body: LoanIn, request: Request) -> JSONResponse:
    """Replace a loan with these fields."""
    store = _provider(request).store()
    if store.loan(loan_id) is None:
        raise _not_found(("贷款", "loan"), loan_id)
    try:
        loan = loan_from_fields(body.fields(), loan_id=loan_id)
    except LedgerError as exc:
        raise _ledger_error(exc) from None
    try:
        saved = store.update_loan(loan)
    except MissingLoan:
        # Deleted by another request between the look-up above and this write.
        raise _not_found(("贷款", "loan"), loan_id) from None
    except StoreError as exc:
        raise _store_error(exc) from None
    return JSONResponse(saved.to_dict())


@router.delete(
    "/loans/{loan_id:int}",
    status_code=204,
    response_model=None,
    responses={204: {"description": "Deleted."}, **_WRITE_ONE},
)
def delete_loan(loan_id: LoanId, request: Request) -> Response:
    """Delete a loan and its due dates."""
    if not _provider(request).store().remove_loan(loan_id):
        raise _not_found(("贷款", "loan"), loan_id)
    return Response(status_code=204)


# ---------------------------------------------------------------------- history


@router.get("/history", response_model=None, responses={**_ok(HistoryListOut, "Saved checks, newest first."), **_READ})
def list_history(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=_ID_MAX)] = 0,
) -> JSONResponse:
    """Saved checks, newest first, without their verdicts."""
    store = _provider(request).store()
    items = history.page(store, limit=limit, offset=offset)
    return JSONResponse({"total": history.count(store), "items": [e.to_dict() for e in items]})


@router.delete(
    "/history",
    response_model=None,
    responses={**_ok(HistoryDeletedOut, "How many checks were deleted."), **_WRITE},
)
def clear_history(request: Request) -> JSONResponse:
    """Delete every saved check."""
    return JSONResponse({"deleted": history.clear(_provider(request).store())})


@router.get(
    "/history/{entry_id:int}",
    response_model=None,
    responses={**_ok(HistoryRecordOut, "The check with its verdict as it was shown."), **_READ_ONE},
)
def get_history(entry_id: EntryId, request: Request) -> JSONResponse:
    """One saved check, with the verdict exactly as it was."""
    record = history.get(_provider(request).store(), entry_id=entry_id)
    if record is None:
        raise _not_found(("核验记录", "saved check"), entry_id)
    return JSONResponse(record.to_dict())


@router.delete(
    "/history/{entry_id:int}",
    status_code=204,
    response_model=None,
    responses={204: {"description": "Deleted."}, **_WRITE_ONE},
)
def delete_history(entry_id: EntryId, request: Request) -> Response:
    """Delete one saved check."""
    if not history.delete(_provider(request).store(), entry_id=entry_id):
        raise _not_found(("核验记录", "saved check"), entry_id)
    return Response(status_code=204)
