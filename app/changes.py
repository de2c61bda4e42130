"""A change sent to Talon.One, the same way in every area: a view validates its form, submits,
and renders the result.

    result = changes.submit(
        lambda: talon.integration.create_audience(name),      # the Talon.One call
        action="audience.create", target=("audience", None),  # what the audit log records
        scope="audience.create", key=form.submission.data,    # once per form (optional)
        payload={"name": name},                               # what the form asks for
        what="The audience")                                  # how messages name it
    if result.ok:
        return navigate(...)
    form.name.errors.append(result.message)
    return page(result.status)

``submit`` claims the form's key (when there is one), sends the change, audits its outcome,
keeps what the change gave under the key, and answers with a Result in one of five states:

    done               it happened (now, or by an earlier submission of this very form)
    pending elsewhere  this form is being sent by another click or instance, or an earlier
                       try got no answer and sending it again could apply it twice
    mismatch           this form was already used for another change
    failed             Talon.One refused it or could not be reached: nothing changed
    unknown            no answer came in time: it may have happened

each with the message staff read and the page's status (app.talon_failures.status_for for a
failure; 504 for unknown, 409 for pending elsewhere and mismatch).

One submission, sent once. A changing form carries a key generated when it was rendered. The
key is claimed in the IdempotencyRecord table (unique per scope and key) before anything is
sent, so a double click, a refresh, a retry after a timeout or a second console instance sharing
the database all meet the same record, whose response holds a status:

    pending  a request is sending it now: a second one waits for its outcome and shows it
    done     it happened: the kept answer is shown, nothing is sent
    unknown  the answer never arrived. Only a change whose resend is safe takes the record over
             and sends again: a return carries the key to Talon.One as its Idempotency-Key, a
             reopen or cancel re-reads the session first (``confirm``). Others refuse the same
             form again, since a resent create would create twice.

A change that definitely failed releases its record, so the corrected form may be sent again.
The same key with another payload is refused and audited as such.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .audit_log import record
from .extensions import db
from .models import IdempotencyRecord, utcnow
from .talon import talon
from .talon.errors import TalonError, TalonOutcomeUnknown
from .talon_failures import change_message, status_for

# Result states
DONE, PENDING_ELSEWHERE, MISMATCH, FAILED, UNKNOWN = (
    "done", "pending elsewhere", "mismatch", "failed", "unknown")
# Record states
PENDING = "pending"

ERROR_TEXT_LIMIT = 300  # characters of Talon.One's error kept in an audit summary
# A pending record older than this belongs to a request that died (worker killed mid-call).
STALE_AFTER = timedelta(minutes=2)
POLL_SECONDS = 0.2
MAX_WAIT_SECONDS = 60.0
_BOOKKEEPING = ("status", "completed_at")
# A change Talon.One cannot recognise when sent again is confirmed by reading first.
RETRY_REREADS = " Trying again first re-reads it, so it is never done twice."


@dataclass(frozen=True)
class Result:
    state: str
    message: str = ""
    status: int = 200
    value: Any = None  # Talon.One's answer, for a change sent by this request
    answer: dict | None = None  # what the change kept under the form's key
    error: TalonError | None = None
    record: IdempotencyRecord | None = None  # the form's record (the session result pages)
    #: done by an earlier submission of this very form (nothing was sent now)
    earlier: bool = False

    @property
    def ok(self) -> bool:
        return self.state == DONE

    @property
    def may_have_happened(self) -> bool:
        return self.state == UNKNOWN


def new_key() -> str:
    """The key a changing form carries (rendered with it, sent back with it)."""
    return uuid.uuid4().hex


def fingerprint(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# -- the one call -----------------------------------------------------------------------------

def submit(
    call: Callable[[], Any],
    *,
    action: str,
    target: tuple[str | None, Any],
    scope: str | None = None,
    key: str | None = None,
    payload: Any = None,
    resend_safe: bool = False,
    confirm: Callable[[], dict | None] | None = None,
    what: str = "The change",
    summary: dict | None = None,
    kept: Callable[[Any], dict] | None = None,
    audited: Callable[[Any], dict] | None = None,
    target_of: Callable[[Any], tuple[str, Any]] | None = None,
    success_status: int = 200,
    dry_run: bool = False,
) -> Result:
    """Send ``call()`` (a Talon.One change, or a dry run of one) and audit it as ``action`` on
    ``target`` (type, ID).

    With ``scope`` and ``key`` the form is claimed first, so it is sent at most once;
    ``payload`` is what it asks for. ``resend_safe``: after a try that got no answer, sending
    the same form again cannot apply it twice (Talon.One's idempotency key). ``confirm``
    instead re-reads whether such a try happened, returning what to keep if it did (None if
    not, and then it is sent again). ``kept(value)``: what to keep under the key (an ID the
    next submission shows); ``audited(value)``: what the audit entry adds from the answer;
    ``target_of(value)``: the target named by what was created (a new card)."""
    summary = dict(summary or {})
    take_over = resend_safe or confirm is not None
    claimed = None
    after_unknown = False
    if key is not None:
        outcome, claimed, after_unknown = _claim(scope, key, fingerprint(payload), take_over)
        if outcome is not None:
            return _answer_without_sending(outcome, claimed, action, target, what,
                                           {**summary, "form_key": key}, scope, key)
        if take_over:  # a later send of the same form is tied to this one in the audit log
            summary.update(form_key=key, retry_after_unknown=after_unknown)
        if after_unknown and confirm is not None:
            confirmed = confirm()
            if confirmed is not None:
                _complete(claimed, {**confirmed, "confirmed_by_reread": True})
                record(action, *target, summary={**summary, "confirmed_by_reread": True},
                       upstream_status=None)
                return Result(DONE, answer=confirmed, record=claimed, earlier=True)
    try:
        value = call()
    except TalonError as error:
        if claimed is not None:
            if isinstance(error, TalonOutcomeUnknown):
                _set(claimed, {"status": UNKNOWN, "error": str(error)[:ERROR_TEXT_LIMIT]})
            else:
                _release(claimed)
        audit_failure(action, *target, error, summary=summary, dry_run=dry_run)
        return _failed(error, what, resend_safe=resend_safe, rereads=confirm is not None,
                       dry_run=dry_run)
    answer = kept(value) if kept is not None else {}
    if claimed is not None:
        _complete(claimed, answer)
    if target_of is not None:
        target = target_of(value)
    record(action, *target, summary={**summary, **(audited(value) if audited else {})},
           outcome="success", upstream_status=success_status, dry_run=dry_run)
    return Result(DONE, value=value, answer=answer, record=claimed)


def _failed(error: TalonError, what: str, *, resend_safe: bool, rereads: bool,
            dry_run: bool) -> Result:
    unknown = isinstance(error, TalonOutcomeUnknown)
    message = change_message(error, what, retry_is_safe=resend_safe and not rereads,
                             preview=dry_run)
    if unknown and rereads:
        message += RETRY_REREADS
    return Result(UNKNOWN if unknown else FAILED, message, status_for(error), error=error)


def _answer_without_sending(outcome: str, found: IdempotencyRecord | None, action: str,
                            target: tuple, what: str, summary: dict, scope: str,
                            key: str) -> Result:
    """The form was claimed already: its earlier outcome, or why it is not sent again."""
    if outcome == MISMATCH:
        record(action, *target, outcome="refused", summary={
            **summary, "refused": "the form's key was already used for a different request"})
        noun = what.removeprefix("The ").lower()
        return Result(MISMATCH, status=409, record=found, message=(
            f"This form was already used for a different {noun}. {what} you see now was not "
            "sent. Reload the page to start again with a fresh form."))
    if outcome == DONE:
        return Result(DONE, answer=kept_answer(found), record=found, earlier=True)
    if outcome == UNKNOWN:  # an earlier try got no answer, and this form cannot be sent again
        return Result(PENDING_ELSEWHERE, status=409, record=found, message=(
            "This form was sent already and Talon.One has not confirmed it: it may have "
            "happened. Re-check before trying again (reload the form to start anew)."))
    # Another click or instance is sending this very form: its outcome is this one's.
    found = _wait_for(scope, key, wait_seconds())
    status = _status(found)
    if status == DONE:
        return Result(DONE, answer=kept_answer(found), record=found, earlier=True)
    if status == UNKNOWN:
        return Result(UNKNOWN, status=504, record=found, message=(
            f"{what} was sent from another window or click, and Talon.One did not answer it "
            "in time: it may have happened. Re-check before trying again."))
    return Result(PENDING_ELSEWHERE, status=409, record=found, message=(
        f"{what} from this form is still being processed (another click or window sent it). "
        "Nothing was sent twice. Re-check in a moment."))


# -- what an earlier submission of a form did ---------------------------------------------------

@dataclass(frozen=True)
class Earlier:
    """An earlier submission of this very form (the view's first look, before it reads
    anything from Talon.One)."""

    status: str  # DONE, UNKNOWN or PENDING
    record: IdempotencyRecord

    def same_as(self, payload: Any) -> bool:
        """It asked for what the form asks now."""
        return self.record.request_hash == fingerprint(payload)

    @property
    def answer(self) -> dict:
        return kept_answer(self.record)


def earlier(scope: str, key: str | None) -> Earlier | None:
    """The earlier submission of the form with this key, if any."""
    if not key:
        return None
    found = _peek(scope, key)
    return None if found is None else Earlier(_status(found), found)


def sent_by_twin(scope: str, key: str | None, payload: Any) -> bool:
    """Whether this very form is, by now, being sent or done by another request: a double
    click, or the same form posted to another instance. A state read from Talon.One after
    that twin changed it refuses the form (quantities used up, state moved on), yet the change
    is the form's own: the claim the twin wrote before sending shows it, and submit answers
    with its result instead of refusing."""
    found = earlier(scope, key)
    return found is not None and (found.status == PENDING
                                  or (found.status == DONE and found.same_as(payload)))


def find(scopes: Iterable[str], key: str) -> IdempotencyRecord | None:
    """The record of the form with this key in any of ``scopes`` (a result page)."""
    return _fresh(sa.select(IdempotencyRecord).where(
        IdempotencyRecord.scope.in_(list(scopes)), IdempotencyRecord.key == key))


def _fresh(statement: sa.Select) -> IdempotencyRecord | None:
    """The record as the database has it now: another request (or instance) may have written it
    since this session loaded it. populate_existing is SQLAlchemy's way to refresh exactly the
    rows a query returns; expire_all() refreshed them too, but expired every other object as
    well, so the logged-in user was read again by the next look at current_user (issue 19:
    ~0.4 ms, one more statement, on every return preview and confirm)."""
    return db.session.scalar(statement.execution_options(populate_existing=True))


def kept_answer(found: IdempotencyRecord) -> dict:
    return {k: v for k, v in (found.response or {}).items() if k not in _BOOKKEEPING}


def wait_seconds() -> float:
    """How long a second request for a form waits for the first: its longest possible call."""
    settings = talon.settings
    longest = (settings.connect_timeout + settings.read_timeout) * (settings.retries + 1)
    return min(MAX_WAIT_SECONDS, longest + 2.0)


# -- the audit of a failure ---------------------------------------------------------------------

def audit_outcome(error: TalonError) -> str:
    """"unknown" when the change may have happened, else "failure"."""
    return "unknown" if isinstance(error, TalonOutcomeUnknown) else "failure"


def audit_failure(action: str, target_type: str | None, target_id: Any, error: TalonError, *,
                  summary: dict | None = None, dry_run: bool = False, outcome: str | None = None):
    """The one way a failed call is audited: its outcome, Talon.One's status and error text."""
    detail = {**(summary or {}), "error": str(error)[:ERROR_TEXT_LIMIT],
              "error_type": type(error).__name__}
    return record(action, target_type, target_id, summary=detail,
                  outcome=outcome or audit_outcome(error), upstream_status=error.status,
                  dry_run=dry_run)


def audit_refusal(action: str, target_type: str, target_id: Any, reason: str,
                  summary: dict | None = None) -> None:
    """A change the console itself refused before calling Talon.One (limit reached, blocked
    card...): audited as refused, so the attempt is on record."""
    record(action, target_type, target_id, summary={**(summary or {}), "reason": reason},
           outcome="refused")


# -- the claim ----------------------------------------------------------------------------------

def _status(found: IdempotencyRecord | None) -> str | None:
    if found is None:
        return None
    if found.response is None:  # written before the status was stored: a claim, unanswered
        return PENDING
    return found.response.get("status", DONE)


def _peek(scope: str, key: str) -> IdempotencyRecord | None:
    return _fresh(sa.select(IdempotencyRecord).filter_by(scope=scope, key=key))


def _add_pending(scope: str, key: str, request_hash: str) -> IdempotencyRecord | None:
    """Insert (and commit) a pending record; None when another request holds the key."""
    mine = IdempotencyRecord(scope=scope, key=key, request_hash=request_hash,
                             response={"status": PENDING}, created_at=utcnow())
    db.session.add(mine)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return mine


def _take_over(old: IdempotencyRecord, request_hash: str) -> IdempotencyRecord | None:
    """Replace an unknown (or stale) record by a fresh pending one, in one transaction; only one
    request can delete the old row, so only one wins."""
    removed = db.session.execute(
        sa.delete(IdempotencyRecord).where(IdempotencyRecord.id == old.id)
        .where(IdempotencyRecord.created_at == old.created_at)
    ).rowcount
    if removed != 1:
        db.session.rollback()
        return None
    return _add_pending(old.scope, old.key, request_hash)


def _claim(scope: str, key: str, request_hash: str,
           take_over: bool) -> tuple[str | None, IdempotencyRecord | None, bool]:
    """(None, my record, after an unknown try) when this request may send the form; else
    (MISMATCH, UNKNOWN or PENDING, the record found, False)."""
    found = _peek(scope, key)
    if found is None:
        mine = _add_pending(scope, key, request_hash)
        if mine is not None:
            return None, mine, False
        found = _peek(scope, key)  # lost the race to a concurrent request
        if found is None:
            return PENDING, None, False
    if found.request_hash != request_hash:
        return MISMATCH, found, False
    status = _status(found)
    stale = status == PENDING and utcnow() - found.created_at > STALE_AFTER
    if take_over and (status == UNKNOWN or stale):
        mine = _take_over(found, request_hash)
        if mine is not None:
            return None, mine, True
        return PENDING, _peek(scope, key), False
    if status == UNKNOWN or stale:
        return UNKNOWN, found, False
    return status, found, False


def _set(mine: IdempotencyRecord, response: dict[str, Any]) -> None:
    mine.response = response
    db.session.add(mine)
    db.session.commit()


def _complete(mine: IdempotencyRecord, answer: dict[str, Any]) -> None:
    _set(mine, {**answer, "status": DONE, "completed_at": utcnow().isoformat() + "Z"})


def _release(mine: IdempotencyRecord) -> None:
    """Forget a claim whose change definitely did not happen."""
    db.session.execute(sa.delete(IdempotencyRecord).where(IdempotencyRecord.id == mine.id))
    db.session.commit()


def _wait_for(scope: str, key: str, seconds: float) -> IdempotencyRecord | None:
    """Poll until the record is no longer pending (or ``seconds`` pass); the latest record."""
    deadline = time.monotonic() + seconds
    found = _peek(scope, key)
    while _status(found) == PENDING and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        found = _peek(scope, key)
    return found
