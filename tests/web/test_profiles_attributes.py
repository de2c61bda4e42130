"""Attribute types and value parsing (app/profiles/attributes.py): pure, no app needed; then the
types Talon.One declares (GET /v1/attributes) at work in the edit form, against the sandbox."""

from __future__ import annotations

import re

import pytest
import requests

from app.profiles.attributes import AttributeValueError, attributes_of, kind_of, parse
from app.validators import attribute_name_problem as name_problem
from tests.web.test_bulk_helpers import faults, sent
from tests.web.test_profiles import attribute_form, errors_of, profile_of


@pytest.mark.parametrize("value, kind", [
    (True, "boolean"), (3, "number"), (2.5, "number"), ("Berlin", "string"),
    ("2025-03-31T09:30:00Z", "time"), ("2025-03-31", "time"), (None, "string"),
    (["a"], None), ({"a": 1}, None),
])
def test_the_type_comes_from_the_stored_value(value, kind):
    assert kind_of(value) == kind


@pytest.mark.parametrize("raw, kind, expected", [
    ("42", "number", 42), ("-1.5", "number", -1.5), ("1,000", "number", 1000),
    ("TRUE", "boolean", True), ("false", "boolean", False),
    ("2025-03-31", "time", "2025-03-31T00:00:00Z"),
    ("2025-03-31T11:30:00+02:00", "time", "2025-03-31T09:30:00Z"),
    ("Café 5", "string", "Café 5"), ("", "string", ""),
])
def test_values_parse_to_their_type(raw, kind, expected):
    assert parse(raw, kind) == expected


@pytest.mark.parametrize("raw, kind, message", [
    ("gold", "number", "is a number"), ("nan", "number", "is a number"), ("1e400", "number", "is a number"),
    ("1_000", "number", "is a number"), ("1e16", "number", "too large"), ("", "number", "Enter a number"),
    ("yes", "boolean", "true or false"), ("31/03/2025", "time", "date and time"),
    ("2025-02-30", "time", "date and time"), ("<b>", "string", "Markup"), ("x" * 501, "string", "At most 500"),
    ("a\x00b", "string", "Control characters"),
])
def test_values_of_the_wrong_type_are_refused(raw, kind, message):
    with pytest.raises(AttributeValueError, match=message):
        parse(raw, kind)


def test_attribute_names():
    assert name_problem("ShoeSize") is None
    assert name_problem("2fast") and name_problem("has space") and name_problem("x" * 65)


# -- declared types (Talon.One's attribute definitions) -----------------------------------------


def test_declared_types_win_over_the_stored_value():
    typed = {a.name: a.kind for a in attributes_of(
        {"ShoeSize": "42", "Nickname": "2025-03-31", "Interests": "shoes", "Visits": 3},
        declared={"ShoeSize": "number", "Nickname": "string", "Interests": "(list string)"})}
    # declared: number, string, and a list the form cannot edit; undeclared: inferred
    assert typed == {"ShoeSize": "number", "Nickname": "string", "Interests": None, "Visits": "number"}


def _edit(client, integration_id: str, **fields):
    """Preview the edit form as the page renders it, with `fields` changed."""
    return client.post(f"/customers/{integration_id}/profile",
                       data={**attribute_form(client, integration_id, **fields), "preview": "1"})


def _field_errors(response) -> list[str]:
    return errors_of(response.get_data(as_text=True))


def _set_attributes(sandbox, integration_id: str, **attributes) -> None:
    requests.put(f"{sandbox.url}/v2/customer_profiles/{integration_id}", json={"attributes": attributes},
                 timeout=10, headers={"Authorization": f"ApiKey-v1 {sandbox.integration_key}"}).raise_for_status()


def _attribute_reads(sandbox) -> list[dict]:
    return sent(sandbox, "GET", "/v1/attributes")


@pytest.mark.parametrize("chosen", ["string", "boolean"])
def test_a_new_declared_attribute_takes_its_declared_type(login_as, talon_sandbox, chosen):
    client = login_as("admin")
    wrong = _edit(client, "cust-0005", new_name="ShoeSize", new_kind=chosen, new_value="big")
    assert wrong.status_code == 422
    assert any("is a number" in e and "big" in e for e in _field_errors(wrong))
    form = attribute_form(client, "cust-0005", new_name="ShoeSize", new_kind=chosen, new_value="43")
    preview = client.post("/customers/cust-0005/profile", data={**form, "preview": "1"}).get_data(as_text=True)
    fingerprint = re.search(r'name="previewed" value="([0-9a-f]+)"', preview).group(1)
    saved = client.post("/customers/cust-0005/profile", data={**form, "previewed": fingerprint, "save": "1"})
    assert saved.status_code == 303
    assert profile_of(talon_sandbox, "cust-0005")["attributes"]["ShoeSize"] == 43  # a number, not "43"


def test_a_declared_list_attribute_is_refused_by_name(login_as, talon_sandbox):
    response = _edit(login_as("admin"), "cust-0005", new_name="Interests", new_value="shoes")
    assert response.status_code == 422
    assert "Talon.One declares Interests as (list string), which this form cannot edit." in _field_errors(response)


def test_an_undeclared_new_attribute_keeps_the_chosen_type(login_as, talon_sandbox):
    response = _edit(login_as("admin"), "cust-0005", new_name="Tier", new_kind="number", new_value="gold")
    assert any("is a number" in e for e in _field_errors(response))
    assert _edit(login_as("admin"), "cust-0005", new_name="Tier", new_value="gold").status_code == 200


def test_a_stored_value_of_another_type_is_edited_as_the_declared_type(login_as, talon_sandbox):
    _set_attributes(talon_sandbox, "cust-0005", ShoeSize="42")  # a string, though declared a number
    client = login_as("admin")
    html = client.get("/customers/cust-0005/profile").get_data(as_text=True)
    row = re.search(r'<label for="(rows-\d+)-value">ShoeSize</label>.*?<td>(\w+)</td>', html, re.S)
    assert row and row.group(2) == "number"
    untouched = _edit(client, "cust-0005")
    assert untouched.status_code == 422 and "Nothing changed" in untouched.get_data(as_text=True)
    bad = _edit(client, "cust-0005", ShoeSize="large")
    assert any("is a number" in e for e in _field_errors(bad))
    good = _edit(client, "cust-0005", ShoeSize="44")
    assert good.status_code == 200
    assert re.search(r"ShoeSize\s*</th>\s*<td>42</td><td>44</td>", good.get_data(as_text=True))


def test_definitions_are_read_once_per_request_and_their_failure_falls_back(app, login_as, talon_sandbox):
    client = login_as("admin")
    assert client.get("/customers/cust-0005/profile").status_code == 200
    _edit(client, "cust-0005", new_name="ShoeSize", new_value="43")  # a GET, then the POST
    reads = _attribute_reads(talon_sandbox)
    # once: the later requests read them from the read cache (a slot of the Management API's
    # 3 per second saved on every edit)
    assert len(reads) == 1 and all("entity=CustomerProfile" in r["query"] for r in reads)
    app.extensions["talon"].reads.invalidate("attributes")  # as if the cache's TTL had passed
    faults(talon_sandbox, {"path": "^/v1/attributes$", "status": 503})
    page = client.get("/customers/cust-0005/profile")
    assert page.status_code == 200 and "BirthDate" in page.get_data(as_text=True)
    # without definitions the chosen type counts again
    assert _edit(client, "cust-0005", new_name="ShoeSize", new_value="big").status_code == 200
