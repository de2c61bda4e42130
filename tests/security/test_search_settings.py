"""The customer search attributes (CUSTOMER_EMAIL_ATTRIBUTE, CUSTOMER_NAME_ATTRIBUTE) are checked
when the console starts, in every mode: a name Talon.One cannot have is a clear error."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import ENVIRONMENT_KEYS, InvalidSetting


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for key in ENVIRONMENT_KEYS + ("DATABASE_URL",):
        monkeypatch.delenv(key, raising=False)


def settings(tmp_path, **overrides) -> dict:
    return {"TALON_DESK_MODE": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.db'}",
            **overrides}


def test_the_defaults_are_email_and_name(tmp_path):
    app = create_app(settings(tmp_path))
    assert (app.config["CUSTOMER_EMAIL_ATTRIBUTE"], app.config["CUSTOMER_NAME_ATTRIBUTE"]) == ("Email", "Name")


def test_the_environment_sets_them(tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTOMER_EMAIL_ATTRIBUTE", " EmailAddress ")
    monkeypatch.setenv("CUSTOMER_NAME_ATTRIBUTE", "Full_name")
    app = create_app(settings(tmp_path))
    assert (app.config["CUSTOMER_EMAIL_ATTRIBUTE"], app.config["CUSTOMER_NAME_ATTRIBUTE"]) == (
        "EmailAddress", "Full_name")


@pytest.mark.parametrize("key", ["CUSTOMER_EMAIL_ATTRIBUTE", "CUSTOMER_NAME_ATTRIBUTE"])
@pytest.mark.parametrize("value, words", [
    ("", "it is empty"), ("   ", "it is empty"), (None, "it is empty"),
    ("Full name", "starts with a letter"), ("<b>Name</b>", "starts with a letter"),
    ("1Email", "starts with a letter"), ("E" * 65, "at most 64"),
])
def test_an_empty_or_invalid_name_stops_the_start(tmp_path, key, value, words):
    with pytest.raises(InvalidSetting) as raised:
        create_app(settings(tmp_path, **{key: value}))
    message = str(raised.value)
    assert key in message and words in message and "cannot start" in message


def test_a_blank_environment_value_is_refused_too(tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTOMER_NAME_ATTRIBUTE", "  ")
    with pytest.raises(InvalidSetting, match="CUSTOMER_NAME_ATTRIBUTE='  ' .*it is empty"):
        create_app(settings(tmp_path))


def test_one_attribute_for_both_is_refused(tmp_path):
    with pytest.raises(InvalidSetting, match="name the same attribute"):
        create_app(settings(tmp_path, CUSTOMER_EMAIL_ATTRIBUTE="Contact", CUSTOMER_NAME_ATTRIBUTE="Contact"))
