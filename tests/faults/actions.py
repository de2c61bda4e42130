"""The console's actions, each as the browser performs it: open a page, fill in its form (and
any step before, such as a preview that must come first), submit. The last step is the one the
fault suite breaks; the steps before it run against a healthy sandbox.

Forms are read from the pages (tests/fuzz/forms.py), so hidden fields (CSRF tokens, form keys,
fingerprints) are whatever the page gave; a recipe names only what a person would type or pick.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fuzz.forms import FormSpec, forms_on, split_action


class FormNotFound(AssertionError):
    pass


@dataclass(frozen=True)
class Step:
    # The form's action path, with {profile}, {session}, {coupon}, {card}, {program} from DemoIds.
    action: str
    fill: dict = field(default_factory=dict)
    # Buttons (or fields) the browser would not send with this submit.
    drop: tuple = ()
    # Pick the form whose fields have these values (several forms post to one URL).
    pick: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Action:
    name: str
    endpoint: str
    page: str
    steps: tuple
    # Does it call Talon.One (else it must work the same whatever Talon.One does)?
    talon: bool = True
    # A real change (not a dry run or a preview)?
    changes: bool = True
    page_htmx: bool = False
    # The page to check afterwards, when the action changes what its own page shows
    # (a cancelled session has no reopen form; a deleted audience no page).
    after: str | None = None

    @property
    def id(self) -> str:
        return self.name


def ids_map(ids) -> dict[str, str]:
    return {"profile": ids.profile, "session": ids.closed_session, "coupon": ids.coupon,
            "card": ids.card, "program": str(ids.program)}


def pick_form(html: str, page_path: str, step: Step, values: dict) -> FormSpec:
    wanted = step.action.format(**values)
    candidates = []
    for spec in forms_on(page_path, html):
        path, _ = split_action(spec.path)
        if spec.method == "POST" and path == wanted and all(spec.fields.get(k) == v for k, v in step.pick.items()):
            candidates.append(spec)
    if not candidates:
        raise FormNotFound(f"no form posting to {wanted} on {page_path}")
    return candidates[0]


def submit(client, spec: FormSpec, step: Step, values: dict):
    data = {k: v for k, v in spec.fields.items() if k not in step.drop}
    data.update({k: (v.format(**values) if isinstance(v, str) else v) for k, v in step.fill.items()})
    headers = {"X-CSRFToken": client.csrf}
    if spec.htmx:
        headers["HX-Request"] = "true"
    path, query = split_action(spec.path)
    return client.post(path, query_string=query, data=data, headers=headers)


def run_until_last(client, action: Action, ids):
    """Open the page and run every step but the last; returns (html, page path) of where the
    last step's form is."""
    values = ids_map(ids)
    page_path = action.page.format(**values)
    response = client.get(page_path, headers={"HX-Request": "true"} if action.page_htmx else {})
    assert response.status_code == 200, f"{action.name}: {page_path} answered {response.status_code}"
    html = response.get_data(as_text=True)
    for step in action.steps[:-1]:
        spec = pick_form(html, page_path, step, values)
        response = submit(client, spec, step, values)
        assert response.status_code < 400, (
            f"{action.name}: step {step.action} answered {response.status_code} without any fault")
        html = response.get_data(as_text=True)
    return html, page_path, values


def last_step(client, action: Action, html: str, page_path: str, values: dict):
    step = action.steps[-1]
    spec = pick_form(html, page_path, step, values)
    return submit(client, spec, step, values), spec


TYPE = "Fault suite: customer brought it back"

ACTIONS = (
    # --- sessions (support agents) ---
    Action("return: confirm", "sessions.return_items", "/sessions/{session}/return",
           (Step("/sessions/{session}/return", {"lines-0-quantity": "1", "reason": TYPE, "action": "confirm"}),),
           after="/sessions/{session}"),
    Action("return: preview", "sessions.return_items", "/sessions/{session}/return",
           (Step("/sessions/{session}/return", {"lines-0-quantity": "1", "reason": TYPE, "action": "preview"}),),
           changes=False),
    Action("dry-run preview", "sessions.preview", "/sessions/{session}/preview",
           (Step("/sessions/{session}/preview", {"run": "1"}, drop=("add_item",)),), changes=False),
    Action("reopen", "sessions.confirm_reopen", "/sessions/{session}/reopen",
           (Step("/sessions/{session}/reopen", {"reason": "Fault suite: wrong items scanned"}),),
           after="/sessions/{session}"),
    Action("cancel: preview", "sessions.cancel_preview", "/sessions/{session}/reopen",
           (Step("/sessions/{session}/cancel/preview"),), changes=False),
    Action("cancel: confirm", "sessions.cancel", "/sessions/{session}/reopen",
           (Step("/sessions/{session}/cancel/preview"),
            Step("/sessions/{session}/cancel", {"reason": "Fault suite: customer called it off"})),
           after="/sessions/{session}"),
    # --- "Why not?" (dry runs: nothing changes whatever Talon.One answers) ---
    Action("why not: a session", "explain.session", "/sessions/{session}/why-not",
           (Step("/sessions/{session}/why-not"),), changes=False),
    Action("why not: a code for a customer", "explain.customer", "/customers/{profile}/why-not",
           (Step("/customers/{profile}/why-not", {"code": "VIPONLY-003", "kind": "coupon"}),),
           changes=False),
    Action("why not: a coupon for a customer", "explain.coupon", "/coupons/{coupon}/why-not",
           (Step("/coupons/{coupon}/why-not", {"profile_id": "{profile}"}),), changes=False),
    # --- coupons ---
    Action("reserve a coupon", "coupons.change_reservations", "/coupons/{coupon}",
           (Step("/coupons/{coupon}/reservations",
                 {"reservations-profile_id": "cust-0002", "reservations-action": "reserve"}),)),
    Action("goodwill coupon", "customers.reserve_goodwill", "/customers/{profile}/goodwill-coupon",
           (Step("/customers/{profile}/goodwill-coupon", {"goodwill-choice": "next"}),), page_htmx=True),
    # --- audiences ---
    Action("create audience", "audiences.create", "/audiences",
           (Step("/audiences", {"name": "Fault suite audience"}),)),
    Action("rename audience", "audiences.rename", "/audiences/1",
           (Step("/audiences/1/rename", {"rename-name": "VIP (renamed)"}),)),
    Action("delete audience", "audiences.delete", "/audiences/3",
           (Step("/audiences/3/delete", {"delete-confirm_name": "Lapsed customers"}),), after="/audiences"),
    Action("clear audience", "audiences.clear", "/audiences/2",
           (Step("/audiences/2/clear", {"clear-confirm": "y"}),)),
    Action("remove a member", "audiences.change_members", "/audiences/1",
           (Step("/audiences/1/members/change", pick={"members-action": "remove"}),)),
    Action("customer's audience", "profiles.change_audience", "/customers/{profile}/audiences",
           (Step("/customers/{profile}/audiences"),)),
    # --- profiles ---
    Action("edit attributes: preview", "profiles.edit_attributes", "/customers/{profile}/profile",
           (Step("/customers/{profile}/profile", {"rows-1-value": "Potsdam"}, drop=("save",)),), changes=False),
    Action("edit attributes: save", "profiles.edit_attributes", "/customers/{profile}/profile",
           (Step("/customers/{profile}/profile", {"rows-1-value": "Potsdam"}, drop=("save",)),
            Step("/customers/{profile}/profile", {"rows-1-value": "Potsdam", "save": "Save"}, drop=("preview",)))),
    Action("create referral", "profiles.create_referral", "/customers/{profile}/referrals/new",
           (Step("/customers/{profile}/referrals/new"),)),
    Action("delete personal data", "profiles.delete_data", "/customers/cust-0005/delete",
           (Step("/customers/cust-0005/delete", {"confirm_id": "cust-0005"}),), after="/"),
    # --- loyalty ---
    Action("link a card", "loyalty.link", "/loyalty/{program}/cards/4000-0002",
           (Step("/loyalty/{program}/cards/4000-0002/link", {"profile_id": "cust-0003"}, pick={"step": "lookup"}),
            Step("/loyalty/{program}/cards/4000-0002/link", pick={"step": "confirm"}))),
    Action("unlink a card", "loyalty.unlink", "/loyalty/{program}/cards/{card}/unlink",
           (Step("/loyalty/{program}/cards/{card}/unlink"),)),
    Action("replace a card", "loyalty.replace", "/loyalty/{program}/cards/{card}/replace",
           (Step("/loyalty/{program}/cards/{card}/replace",
                 {"new_identifier": "4999-0002", "reason": "Fault suite: card reported lost", "confirm": "y"}),),
           after="/loyalty/{program}/cards/{card}"),
    Action("deactivate a card", "loyalty.change_status", "/loyalty/{program}/cards/{card}/status?status=inactive",
           (Step("/loyalty/{program}/cards/{card}/status", {"confirm": "y"}),),
           after="/loyalty/{program}/cards/{card}"),
    Action("generate a card", "loyalty.generate", "/loyalty/{program}/cards/new",
           (Step("/loyalty/{program}/cards/new", {"identifier": "4999-0001"}),)),
    Action("add points to a card", "loyalty.card_adjust_points", "/loyalty/{program}/cards/{card}/adjust-points",
           (Step("/loyalty/{program}/cards/{card}/adjust-points",
                 {"direction": "add", "points": "10", "reason": "goodwill", "note": "Fault suite: goodwill"}),)),
    Action("deduct points from a profile", "loyalty.profile_adjust_points",
           "/loyalty/2/customers/{profile}/adjust-points",
           (Step("/loyalty/2/customers/{profile}/adjust-points",
                 {"direction": "deduct", "points": "1", "reason": "correction", "note": "Fault suite: correction"}),)),
    # --- campaigns (marketing) ---
    Action("test bench dry run", "campaigns.run_bench", "/campaigns/test-bench",
           (Step("/campaigns/test-bench", {"profile_id": "{profile}", "items-0-sku": "RUN-100",
                                           "items-0-quantity": "1", "items-0-price": "89.90",
                                           "items-0-category": "shoes", "action": "run"}),), changes=False),
    # --- the console's own accounts: must work whatever Talon.One does ---
    Action("create staff account", "admin.create_user", "/admin/users",
           (Step("/admin/users", {"username": "faultsuite", "password": "a long fault suite password",
                                  "role": "agent"}),), talon=False),
    Action("change a role", "admin.set_role", "/admin/users/agent",
           (Step("/admin/users/agent/role", {"role": "marketer"}),), talon=False),
    Action("end a user's sessions", "admin.end_sessions", "/admin/users/agent",
           (Step("/admin/users/agent/end-sessions"),), talon=False),
    Action("reset a password", "admin.reset_password", "/admin/users/agent",
           (Step("/admin/users/agent/password", {"password": "another long password 123"}),), talon=False),
    Action("disable an account", "admin.disable", "/admin/users/agent",
           (Step("/admin/users/agent/disable", pick={"confirmed": "yes"}),), talon=False),
    Action("set points caps", "admin.points_caps_page", "/admin/points-caps",
           (Step("/admin/points-caps", {"agent-per_change": "120"}),), talon=False),
)

# Actions the suite does not drive, and why (each needs objects a case would first have to make).
NOT_DRIVEN = {
    "audiences.job_pause": "a running bulk job (made by a pasted list); bulk jobs have their own tests (tests/web/test_bulk_worker.py)",
    "audiences.job_cancel": "a running bulk job (made by a pasted list)",
    "audiences.job_resume": "a paused bulk job",
    "coupons.job_pause": "a running bulk job (made by a pasted list)",
    "coupons.job_cancel": "a running bulk job (made by a pasted list)",
    "coupons.job_resume": "a paused bulk job",
    "audiences.job_choose": "a bulk job waiting for the choice on unknown profiles (tests/web/test_audiences.py)",
    "coupons.job_choose": "coupon jobs never check profiles, so never wait for a choice",
    "campaigns.update_case": "a saved test case",
    "campaigns.delete_case": "a saved test case",
    "campaigns.delete_suite": "a saved suite",
    "campaigns.start_run": "a saved suite",
    "campaigns.set_schedule": "a saved suite (and it changes only the app database)",
    "campaigns.import_suite": "an uploaded suite file",
    "audiences.update_attribute": "the preview step's count; its preview is driven",
    "audiences.preview_attribute": "a member attribute to set",
    "admin.enable": "a disabled account (the disable action is driven)",
    "admin.change_password": "the user's own current password; it needs nothing from Talon.One",
    "auth.logout": "nothing from Talon.One",
    "auth.login": "nothing from Talon.One",
}
