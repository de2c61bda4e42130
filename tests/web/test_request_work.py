"""The console's own work per request (issue 19: server time p50): what every page did again and
again that it can do once per process, each with the behaviour it must keep.

- WTForms' message catalogue, read once per locale (app/forms.py), still in the console's LOCALE;
- the bulk-notice check, one statement built once, the user a bound parameter (app/bulk/notices.py),
  and asked only when the login query found a notice waiting;
- static URLs' versions, looked up by name once per process outside debug mode (app/assets.py);
- the long tables' inputs, written by WTForms' widgets with a quicker attribute writer
  (app/forms.py), the same HTML as WTForms' own.
"""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from tests.conftest import make_console
from tests.web.test_request_cost import Statements
from tests.web.test_sessions_support import agent, app_config, upstream  # noqa: F401  (fixtures)


def all_subclasses(cls) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | all_subclasses(sub)
    return found


# -- WTForms' messages -------------------------------------------------------------------------

def test_every_form_of_the_console_derives_from_the_console_form(app):
    from app.forms import ConsoleForm

    forms = {cls for cls in all_subclasses(FlaskForm) if cls.__module__.startswith("app.")}
    assert len(forms) > 30  # the factory imported every area's forms
    strays = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in forms
                    if cls is not ConsoleForm and not issubclass(cls, ConsoleForm))
    assert strays == [], "derive these from app.forms.ConsoleForm (it reads WTForms' messages once)"


def login_errors(console) -> list[str]:
    from app.auth.forms import LoginForm

    with console.test_request_context("/login", method="POST"):
        form = LoginForm(formdata=MultiDict({"password": "x"}), meta={"csrf": False})
        assert not form.validate()
        return form.username.errors


def test_wtforms_messages_are_read_once_per_locale_across_requests(app):
    from app.forms import wtforms_translations

    wtforms_translations.cache_clear()
    for _ in range(3):
        assert login_errors(app) == ["This field is required."]
    info = wtforms_translations.cache_info()
    assert (info.misses, info.hits) == (1, 2)  # read from disk for the first request only


@pytest.mark.parametrize("locale, message", [("de", "Dieses Feld wird benötigt."),
                                             ("fr", "Ce champ est requis.")])
def test_wtforms_messages_are_in_the_consoles_locale(app_config, tmp_path, locale, message):
    console = make_console({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'l.db'}",
                            "BABEL_DEFAULT_LOCALE": locale})
    assert login_errors(console) == [message]


def test_wtforms_messages_can_still_be_left_untranslated(app_config, tmp_path):
    """WTF_I18N_ENABLED=False (Flask-WTF's switch) still means WTForms' own English words."""
    console = make_console({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'n.db'}",
                            "BABEL_DEFAULT_LOCALE": "de", "WTF_I18N_ENABLED": False})
    assert login_errors(console) == ["This field is required."]


# -- the bulk-notice check -----------------------------------------------------------------------

def test_the_notice_check_is_one_statement_built_once_with_the_user_bound(app, login_as):
    from app.bulk import notices

    agent = login_as("agent")
    with Statements(app) as statements:
        assert agent.get("/").status_code == 200
    [check] = statements.touching("bulk_jobs")
    assert "'agent'" not in check and "?" in check  # the user is a parameter, not in the SQL
    assert notices._pending_query() is notices._pending_query()
    marketer = login_as("marketer")
    with Statements(app) as again:
        marketer.get("/")
    assert again.touching("bulk_jobs") == [check]  # the same statement for every user


def test_a_page_with_no_notice_asks_only_the_login_query_about_notices(app, login_as):
    """Whether a notice waits is read with the login (one query per request): the notices'
    own query runs only when one does (tests/web/test_bulk_worker.py shows it then)."""
    agent = login_as("agent")
    with Statements(app) as statements:
        assert agent.get("/").status_code == 200
    [check] = statements.touching("bulk_jobs")
    assert "login_sessions" in check and "EXISTS" in check.upper()
    assert not [s for s in statements.seen if s.upper().startswith("SELECT BULK_JOBS.")]


# -- static URLs -----------------------------------------------------------------------------------

def count_lookups(console, monkeypatch) -> list[tuple[str, str]]:
    from app.assets import StaticVersions

    seen: list[tuple[str, str]] = []
    resolve = StaticVersions.version

    def counted(self, endpoint, filename):
        seen.append((endpoint, filename))
        return resolve(self, endpoint, filename)

    monkeypatch.setattr(StaticVersions, "version", counted)
    return seen


def build_urls(console, times: int) -> set[str]:
    from flask import url_for

    with console.test_request_context("/"):
        return {url_for("static", filename="app.css") for _ in range(times)}


def test_a_static_urls_version_is_looked_up_once_per_process(app, monkeypatch):
    lookups = count_lookups(app, monkeypatch)
    [url] = build_urls(app, 3)
    build_urls(app, 2)
    assert url.startswith("/static/app.css?v=")
    assert lookups.count(("static", "app.css")) <= 1  # none when an earlier test built it


def test_in_debug_mode_every_url_looks_again_so_edits_show(app, monkeypatch):
    lookups = count_lookups(app, monkeypatch)
    app.debug = True
    try:
        build_urls(app, 3)
    finally:
        app.debug = False
    assert lookups.count(("static", "app.css")) == 3


def test_requested_names_are_not_held_by_name(app, client):
    """Only the templates' names are held (url_for); names from requests are not, so a client
    cannot grow the table with made-up file names."""
    versions = app.extensions["talon_desk_assets"]
    for n in range(5):
        client.get(f"/static/made-up-{n}.css?v=0000000000")
    # (a 404 page's own static URLs may be built and held: those are the templates' names)
    assert not [name for name in versions._by_name if "made-up" in name[1]]


# -- the header's links: only where a page shows them ---------------------------------------------

def test_an_htmx_preview_reads_the_user_once_though_it_commits_an_audit_entry(agent, upstream, app):
    """The audit entry's commit expires the user; the header's links (the only reader after it)
    are built by base.html alone, not for every partial, so the user is not read again."""
    from tests.web.test_round_trips import SESSION, preview, shown

    token = shown(agent.get(f"/sessions/{SESSION}/preview"))
    with Statements(app) as statements:
        answer = preview(agent, token)
    assert answer.status_code == 200 and "What would happen" in answer.get_data(as_text=True)
    assert any(s.startswith("INSERT INTO audit_entries") for s in statements.seen)
    users = statements.touching("users")
    assert len(users) == 1 and "login_sessions" in users[0], users  # the login check only
    assert 'class="nav-links"' not in answer.get_data(as_text=True)


def test_an_htmx_return_preview_reads_the_user_once_though_it_looks_up_its_forms_key(agent, upstream, app):
    """The form's key is looked up afresh (another request may have claimed it) by refreshing
    that row alone: expiring every object made the next look at current_user read the user again."""
    from tests.web.test_returns import return_form
    from tests.web.test_round_trips import SESSION, shown
    from tests.web.test_sessions_support import form_key

    page = agent.get(f"/sessions/{SESSION}/return")
    data = {**return_form(agent, {1: "1"}, key=form_key(page), action="preview"), "shown": shown(page)}
    with Statements(app) as statements:
        answer = agent.post(f"/sessions/{SESSION}/return", data=data, headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "What this return would do" in answer.get_data(as_text=True)
    assert statements.touching("idempotency_records")  # the key was looked up
    users = statements.touching("users")
    assert len(users) == 1 and "login_sessions" in users[0], users  # the login check only


def test_a_form_key_claimed_meanwhile_is_seen_though_the_session_loaded_it_before(app):
    """What the lookup must keep: a record this session loaded, then changed by another
    connection (another request, another instance), is read as the database has it now."""
    import sqlalchemy as sa

    from app import changes
    from app.extensions import db
    from app.models import IdempotencyRecord

    with app.test_request_context("/"):
        db.session.add(IdempotencyRecord(scope="test", key="k1", request_hash="h",
                                         response={"status": changes.PENDING}, created_at=changes.utcnow()))
        db.session.commit()
        loaded = changes.earlier("test", "k1")  # held: the session's identity map keeps it
        assert loaded.status == changes.PENDING
        with db.engine.begin() as other:  # another connection completes the claim
            other.execute(sa.update(IdempotencyRecord).where(IdempotencyRecord.key == "k1")
                          .values(response={"status": changes.DONE}))
        assert changes.earlier("test", "k1").status == changes.DONE
        assert loaded.record.response == {"status": changes.DONE}
        with db.engine.begin() as other:
            other.execute(sa.update(IdempotencyRecord).where(IdempotencyRecord.key == "k1")
                          .values(response={"status": changes.UNKNOWN}))
        assert changes.find(["test"], "k1").response == {"status": changes.UNKNOWN}


def test_full_pages_still_show_the_links_the_role_may_use(agent, login_as):
    page = agent.get("/").get_data(as_text=True)
    links = page[page.index('class="nav-links"'):].split("</ul>", 1)[0]
    assert 'href="/audit"' not in links  # the agent may not see the audit log
    admin = login_as("admin").get("/").get_data(as_text=True)
    assert 'href="/audit"' in admin[admin.index('class="nav-links"'):].split("</ul>", 1)[0]



# -- the long tables' inputs: WTForms' widgets, a quicker html_params, the same HTML --------------

@pytest.mark.parametrize("value", ['say "hi"', "<b>&amp;</b>", "é ü", 3, 2.5, 0, None, "",
                                   Markup('<i class="x">'), True, False])
def test_the_consoles_html_params_writes_what_wtforms_writes(value):
    from wtforms.widgets import html_params as wtforms_html_params

    from app.forms import html_params

    kwargs = {"value": value, "class_": value, "data_row_id": value, "aria_label": value,
              "for_": "x", "checked": True, "readonly": False, "id": "items-0-sku"}
    assert html_params(**kwargs) == wtforms_html_params(**kwargs)


def stock_widget(widget):
    """The WTForms widget the console's widget derives from, set up the same."""
    stock = next(cls for cls in type(widget).__mro__ if cls.__module__.startswith("wtforms."))()
    stock.__dict__.update(widget.__dict__)
    return stock


@pytest.mark.parametrize("form_name, data", [
    ("CartLineForm", {"origin": "0", "sku": 'RUN-100 "x"', "name": "<Trail>", "quantity": "2",
                      "price": "89.90", "category": "shoes & more", "remove": "y"}),
    ("CartLineForm", {"quantity": "many", "price": "cheap"}),
    ("ReturnLineForm", {"position": "1", "quantity": "3"}),
])
def test_the_long_tables_inputs_are_the_html_wtforms_widgets_write(app, form_name, data):
    from app import forms
    from app.sessions import forms as session_forms

    with app.test_request_context("/"):
        form = getattr(session_forms, form_name)(formdata=MultiDict(data))
        form.validate()
        for field in form:
            assert field.widget.html_params is forms.html_params, field.name  # the quicker writer
            attrs = {"aria-label": f"{field.name} of line 1", "aria-invalid": "true"}
            assert field(**attrs) == stock_widget(field.widget)(field, **attrs), field.name


# -- the security headers: read the response's names once, add what is missing together ----------

def test_the_security_headers_keep_a_views_own_and_add_each_missing_one_once(app):
    from flask import Response

    from app.security import SECURITY_HEADERS, add_security_headers

    app.config["SEND_HSTS"] = True
    try:
        with app.test_request_context("/"):
            response = Response("x")
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
            response.headers["Cache-Control"] = "private, max-age=60"
            response.headers["Vary"] = "Accept-Encoding"
            headers = add_security_headers(response).headers
    finally:
        app.config["SEND_HSTS"] = False
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("Cache-Control") == ["private, max-age=60"]
    assert headers.getlist("Vary") == ["Accept-Encoding, HX-Request, Cookie"]
    for name, value in SECURITY_HEADERS.items():
        if name != "X-Frame-Options":
            assert headers.getlist(name) == [value], name
    assert len(headers.getlist("Strict-Transport-Security")) == 1
