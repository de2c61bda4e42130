"""Campaign state and schedule, and the campaign as the Management API shows it.

A campaign runs when it is enabled and `now` lies in [startTime, endTime); one listed in a dry
run's evaluableCampaignIds runs in its schedule even when disabled. The store also uses
`public_campaign` to serve GET /v1/applications/1/campaigns: it drops the engine's `rules` and
fills the fields the spec's `Campaign` schema requires, with frontendState computed for `now`.
"""
from __future__ import annotations

from datetime import datetime, timezone

# Keys of the DSL that the Management API does not show.
ENGINE_ONLY_KEYS = frozenset({"rules"})

# Required `Campaign` fields the DSL may leave out, with the values Talon.One would show.
CAMPAIGN_DEFAULTS = {
    "description": "",
    "features": [],
    "tags": [],
    "limits": [],
    "type": "advanced",
    "reevaluateOnReturn": False,
    "storesImported": False,
    "userId": 1,
    "applicationId": 1,
}


def parse_time(value) -> datetime | None:
    """An aware datetime from an RFC 3339 string or a datetime; None for None or ""."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        # Naive times in seeds mean UTC; comparing naive with aware would raise.
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def rfc3339(moment: datetime) -> str:
    """UTC, second precision, with Z, as Talon.One writes its timestamps."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def campaign_frontend_state(campaign: dict, now: datetime) -> str:
    """The spec's Campaign.frontendState: disabled, archived, scheduled, expired or running."""
    state = campaign.get("state", "enabled")
    if state in ("disabled", "archived"):
        return state
    start, end = parse_time(campaign.get("startTime")), parse_time(campaign.get("endTime"))
    if start is not None and now < start:
        return "scheduled"
    if end is not None and now >= end:
        return "expired"
    return "running"


def campaign_is_running(campaign: dict, now: datetime) -> bool:
    return campaign_frontend_state(campaign, now) == "running"


def in_schedule(campaign: dict, now: datetime) -> bool:
    """startTime <= now < endTime, whatever the campaign's state."""
    start, end = parse_time(campaign.get("startTime")), parse_time(campaign.get("endTime"))
    return (start is None or start <= now) and (end is None or now < end)


def campaign_is_evaluable(campaign: dict, now: datetime) -> bool:
    """A campaign listed in a dry run's evaluableCampaignIds. The spec: listed campaigns "will be
    evaluated, even if they are disabled" (NewCustomerSessionV2.evaluableCampaignIds), which
    lifts the state and nothing else: "When a campaign is activated, its rules are evaluated when
    its scheduled period is reached" (docs.talon.one/docs/product/campaigns/managing-campaigns),
    and a future schedule is tested with `now` ("to test campaigns that would be evaluated ...
    in the future (say, scheduled campaigns)", updateCustomerSessionV2's `now`). Archived
    campaigns "are not considered for rule evaluation" (updateCustomerSessionV2)."""
    return campaign.get("state", "enabled") != "archived" and in_schedule(campaign, now)


def public_campaign(campaign: dict, now: datetime) -> dict:
    """The campaign as a spec `Campaign` object: no engine keys, required fields filled."""
    shown = {key: value for key, value in campaign.items() if key not in ENGINE_ONLY_KEYS}
    for key, default in CAMPAIGN_DEFAULTS.items():
        shown.setdefault(key, list(default) if isinstance(default, list) else default)
    shown["frontendState"] = campaign_frontend_state(campaign, now)
    return shown
