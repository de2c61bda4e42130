"""Every role's main pages, for the checks that go through all of them: page structure
(tests/web/test_page_structure.py), accessibility with axe-core and screenshots at 1366 and
390 px (tests/e2e/test_accessibility.py)."""

from __future__ import annotations

MAIN_PAGES: dict[str, list[str]] = {
    "agent": [
        "/", "/search?q=no-such-id-anywhere", "/customers/cust-0001", "/customers/cust-9999",
        "/sessions/sess-00001", "/sessions/sess-00001/preview", "/sessions/sess-00001/return",
        "/sessions/sess-00003/reopen", "/sessions/sess-00006/reopen", "/coupons",
        "/coupons/SUMMER20", "/coupons/VIPONLY-001", "/loyalty/", "/loyalty/1/cards/4000-0001",
        "/loyalty/1/cards/4000-0035", "/loyalty/1/cards/4000-0001/link",
        "/loyalty/2/customers/cust-0001", "/customers/cust-0001/profile",
        "/customers/cust-0001/referrals/new", "/account/password", "/audit",
        "/sessions/sess-00001/why-not", "/customers/cust-0001/why-not", "/coupons/SUMMER20/why-not",
        "/campaigns/2", "/customers/cust-0001/timeline", "/loyalty/1/cards/4000-0001/adjust-points",
    ],
    "marketer": [
        "/", "/audiences", "/audiences/1", "/campaigns/test-bench", "/coupons/GOODWILL-001",
        "/customers/cust-0001/audiences", "/sessions/sess-00002",
    ],
    "manager": [
        "/", "/audit", "/sessions/sess-00004", "/sessions/sess-00005", "/sessions/sess-00004/return",
        "/loyalty/1/cards/4000-0038", "/customers/cust-0001/timeline",
    ],
    "admin": [
        "/", "/admin/users", "/admin/users/agent", "/customers/cust-0060/delete", "/audit",
        "/audiences/3", "/customers/cust-0060", "/admin/points-caps",
        "/loyalty/2/customers/cust-0001/adjust-points",
    ],
}
