"""Money and times in the Application's own currency and time zone (getApplication), read once
per hold period (not per page, not per amount); the configured CURRENCY and TIME_ZONE only
while the Application cannot be read or names no currency or zone."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from app.talon.application import RETRY_AFTER_FAILURE, ApplicationSettingsHolder
from app.talon.errors import TalonUnavailable
from app.talon.models import ApplicationSettings
from tests.conftest import console_config
from tests.web.test_sessions_support import Upstream, text

SESSION = "/sessions/sess-00001"  # cart value 129.70, discounts 26.46, to pay 103.24
TIME = re.compile(r'<time datetime="([^"]+)" data-local>([^<]+)</time>')
APPLICATION_READ = r"^/v1/applications/1$"


@pytest.fixture
def app_config(talon_sandbox, tmp_path):
    # the fallbacks differ from what the sandbox's Application says (EUR, UTC)
    return console_config(talon_sandbox, tmp_path / "console.db", CURRENCY="GBP",
                          BABEL_DEFAULT_TIMEZONE="America/New_York", TALON_RETRIES=0)


@pytest.fixture
def upstream(talon_sandbox):
    return Upstream(talon_sandbox)


def set_application(sandbox, **settings) -> None:
    requests.post(f"{sandbox.url}/sandbox/application", json=settings, timeout=30).raise_for_status()


def shown_times(page) -> list[tuple[datetime, str]]:
    html = page.get_data(as_text=True)
    found = [(datetime.fromisoformat(moment.replace("Z", "+00:00")), shown) for moment, shown in TIME.findall(html)]
    assert found, "the page shows no times"
    return found


def assert_times_in(page, zone: str) -> None:
    for moment, shown in shown_times(page):
        local = moment.astimezone(ZoneInfo(zone))
        assert shown.startswith(local.strftime("%Y-%m-%d %H:%M")), (zone, moment, shown)


def test_money_and_times_are_in_the_applications_currency_and_zone(talon_sandbox, login_as, upstream):
    set_application(talon_sandbox, currency="USD", timezone="Asia/Tokyo")
    agent = login_as("agent")
    page = agent.get(SESSION)
    body = text(page)
    assert "Cart value $129.70" in body and "Discounts -$26.46" in body and "To pay $103.24" in body
    assert "Welcome 10% (-$12.97)" in body  # effect sentences too
    assert "£" not in body and "€" not in body
    assert_times_in(page, "Asia/Tokyo")
    # read once for the login, home and session pages and every amount on them
    agent.get(SESSION)
    assert len(upstream.log("GET", APPLICATION_READ)) == 1


def test_a_currency_without_cents_is_written_as_the_application_keeps_it(talon_sandbox, login_as):
    set_application(talon_sandbox, currency="JPY")
    body = text(login_as("agent").get(SESSION))
    assert "Cart value ¥130" in body and "To pay ¥103" in body


def test_the_configured_values_while_the_application_cannot_be_read(talon_sandbox, login_as, upstream):
    upstream.fault(APPLICATION_READ, "GET", status=503)
    agent = login_as("agent")
    page = agent.get(SESSION)
    assert page.status_code == 200
    body = text(page)
    assert "Cart value £129.70" in body and "To pay £103.24" in body
    assert_times_in(page, "America/New_York")
    # one failed read per retry period, not one per page
    agent.get(SESSION)
    assert len(upstream.log("GET", APPLICATION_READ)) == 1


def test_values_that_are_no_currency_or_zone_give_the_configured_ones(talon_sandbox, login_as, caplog):
    set_application(talon_sandbox, currency="euro", timezone="Mars/Olympus_Mons")
    with caplog.at_level(logging.WARNING, logger="app.formatting"):
        page = login_as("agent").get(SESSION)
    assert "Cart value £129.70" in text(page)
    assert_times_in(page, "America/New_York")
    assert "'Mars/Olympus_Mons' is not a time zone name" in caplog.text
    assert "'euro' is not a currency code" in caplog.text


def test_the_sandbox_control_refuses_what_the_spec_does_not_allow(talon_sandbox):
    answer = requests.post(f"{talon_sandbox.url}/sandbox/application", json={"currency": ""}, timeout=30)
    assert answer.status_code == 400
    answer = requests.post(f"{talon_sandbox.url}/sandbox/application", json={"name": "x"}, timeout=30)
    assert answer.status_code == 400


# -- the holder, on a clock the test moves ----------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Reads:
    def __init__(self, *answers) -> None:
        self.answers = list(answers)
        self.count = 0

    def __call__(self) -> ApplicationSettings:
        self.count += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_the_holder_reads_once_per_hold_and_keeps_the_last_answer_through_a_failure(caplog):
    tokyo, berlin = ApplicationSettings(timezone="Asia/Tokyo"), ApplicationSettings(timezone="Europe/Berlin")
    reads, clock = Reads(tokyo, TalonUnavailable("down"), berlin), Clock()
    holder = ApplicationSettingsHolder(reads, hold=300, clock=clock)
    assert holder.current() is tokyo and holder.current() is tokyo and reads.count == 1
    clock.now += 300
    with caplog.at_level(logging.WARNING, logger="app.talon"):
        assert holder.current() is tokyo  # the read failed: the last answer stays
        assert holder.current() is tokyo
    assert reads.count == 2 and caplog.text.count("could not be read") == 1
    clock.now += RETRY_AFTER_FAILURE
    assert holder.current() is berlin and reads.count == 3


def test_the_holder_says_none_until_a_first_read_succeeds():
    settings = ApplicationSettings(currency="USD")
    reads, clock = Reads(TalonUnavailable("down"), settings), Clock()
    holder = ApplicationSettingsHolder(reads, hold=0, clock=clock)  # cache off: still held
    assert holder.current() is None and holder.current() is None and reads.count == 1
    clock.now += RETRY_AFTER_FAILURE
    assert holder.current() is settings
    clock.now += 59
    assert holder.current() is settings and reads.count == 2
