"""The one protocol for a change sent to Talon.One (app/changes.py) and the one mapping of a
Talon.One failure to a status (app/talon_failures.py), proved on their own with calls that
count how often they run; the areas' tests prove them through every page."""

from __future__ import annotations

import threading
import time

import pytest

from app import changes
from app.extensions import db
from app.models import AuditEntry, IdempotencyRecord, utcnow
from app.talon.errors import (
    TalonBadRequest,
    TalonCircuitOpen,
    TalonConflict,
    TalonMalformedResponse,
    TalonNotFound,
    TalonOutcomeUnknown,
    TalonRateLimited,
    TalonTimeout,
    TalonUnauthorized,
    TalonUnavailable,
)
from app.talon_failures import status_for

SCOPE = "test.change"


class Call:
    """A Talon.One call that answers (or raises) what it is given, and counts its runs."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.runs = 0

    def __call__(self):
        self.runs += 1
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def send(call, key="k" * 32, payload=None, **options):
    return changes.submit(call, action="test.change", target=("thing", "t-1"), scope=SCOPE,
                          key=key, payload=payload or {"n": 1},
                          kept=lambda value: {"value": value}, **options)


def audited():
    return [(e.outcome, e.upstream_status) for e in
            db.session.query(AuditEntry).filter_by(action="test.change").order_by(AuditEntry.id)]


@pytest.fixture
def context(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize("error, status", [
    (TalonOutcomeUnknown("lost"), 504), (TalonTimeout("slow"), 504),
    (TalonConflict("busy", status=409), 409), (TalonRateLimited("slow down", status=429), 429),
    (TalonNotFound("no", status=404), 404), (TalonBadRequest("bad", status=400), 422),
    (TalonUnavailable("down", status=503), 502), (TalonCircuitOpen("paused"), 502),
    (TalonMalformedResponse("garbled"), 502), (TalonUnauthorized("key", status=401), 502),
])
def test_one_status_for_each_kind_of_failure(error, status):
    assert status_for(error) == status


def test_a_form_is_sent_once_and_its_answer_kept(context):
    call = Call("made")
    first, again = send(call), send(call)
    assert (first.state, first.value, first.answer, first.earlier) == (
        changes.DONE, "made", {"value": "made"}, False)
    assert (again.state, again.value, again.answer, again.earlier) == (
        changes.DONE, None, {"value": "made"}, True)
    assert call.runs == 1 and audited() == [("success", 200)]


def test_the_same_form_asking_for_something_else_is_refused_and_audited(context):
    call = Call("made")
    send(call)
    other = send(call, payload={"n": 2}, what="The thing")
    assert (other.state, other.status) == (changes.MISMATCH, 409)
    assert "already used for a different thing" in other.message
    assert call.runs == 1 and audited() == [("success", 200), ("refused", None)]


def test_a_definite_failure_frees_the_form(context):
    call = Call(TalonUnavailable("down", status=503), "made")
    failed = send(call)
    assert (failed.state, failed.status) == (changes.FAILED, 502)
    assert "was not applied" in failed.message
    assert send(call).ok and call.runs == 2
    assert audited() == [("failure", 503), ("success", 200)]


def test_an_unanswered_change_that_cannot_be_resent_is_not_sent_again(context):
    call = Call(TalonOutcomeUnknown("lost"), "made")
    first = send(call)
    assert (first.state, first.status) == (changes.UNKNOWN, 504)
    assert "may have happened" in first.message
    again = send(call)
    assert (again.state, again.status) == (changes.PENDING_ELSEWHERE, 409)
    assert "has not confirmed it" in again.message
    assert call.runs == 1 and audited() == [("unknown", None)]


def test_an_unanswered_change_whose_resend_is_safe_is_sent_again(context):
    call = Call(TalonOutcomeUnknown("lost"), "made")
    first = send(call, resend_safe=True, what="The return")
    assert "Sending it again from this form is safe" in first.message
    again = send(call, resend_safe=True)
    assert again.ok and again.value == "made" and call.runs == 2


def test_an_unanswered_change_is_confirmed_by_a_reread_instead_of_resent(context):
    call = Call(TalonOutcomeUnknown("lost"), "never")
    first = send(call, confirm=lambda: {"seen": True})
    assert "re-reads it" in first.message
    again = send(call, confirm=lambda: {"seen": True})
    assert again.ok and again.earlier and again.answer == {"seen": True} and call.runs == 1
    assert audited() == [("unknown", None), ("success", None)]


def test_a_second_request_waits_for_the_first_and_answers_with_its_result(app, context):
    call = Call("made")
    db.session.add(IdempotencyRecord(scope=SCOPE, key="w" * 32,
                                     request_hash=changes.fingerprint({"n": 1}),
                                     response={"status": "pending"}, created_at=utcnow()))
    db.session.commit()

    def first_finishes():
        time.sleep(0.3)
        with app.app_context():
            found = db.session.query(IdempotencyRecord).filter_by(key="w" * 32).one()
            found.response = {"status": "done", "value": "theirs"}
            db.session.commit()

    other = threading.Thread(target=first_finishes)
    other.start()
    answer = send(call, key="w" * 32)
    other.join()
    assert answer.ok and answer.answer == {"value": "theirs"} and call.runs == 0


def test_a_change_without_a_form_key_is_sent_and_audited(context):
    call = Call(TalonConflict("busy", status=409))
    failed = changes.submit(call, action="test.change", target=("thing", "t-1"))
    assert (failed.state, failed.status) == (changes.FAILED, 409)
    assert "reported a conflict (HTTP 409)" in failed.message
    assert audited() == [("failure", 409)]
