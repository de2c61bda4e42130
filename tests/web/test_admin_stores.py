"""A store typed by an admin on an account is one of Talon.One's (issue 16), against the sandbox."""

from __future__ import annotations

from tests.web.test_admin import create


def test_a_store_is_checked_against_talon_ones_stores(login_as):
    """Issue 16: a store typed by an admin is one of Talon.One's (listStores), or refused next to
    the field with nothing changed."""
    admin = login_as("admin")
    refused = create(admin, username="lena", role="manager", store="store-paris", password="lemon tree harbour")
    assert refused.status_code == 422
    assert "Talon.One has no store “store-paris”" in refused.get_data(as_text=True)
    assert "lena" not in admin.get("/admin/users").get_data(as_text=True)
    moved = admin.post("/admin/users/manager/role", data={"role": "manager", "store": "store-paris",
                                                          "csrf_token": admin.csrf})
    assert moved.status_code == 422 and "Talon.One has no store" in moved.get_data(as_text=True)
    assert "store-berlin" in admin.get("/admin/users/manager").get_data(as_text=True)
    assert create(admin, username="lena", role="manager", store="store-hamburg",
                  password="lemon tree harbour").status_code in (200, 303)
