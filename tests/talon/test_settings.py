"""Settings: read from a Flask config with defaults; keys never shown."""
from __future__ import annotations

import pytest

from app.talon import TalonSettings
from app.talon.settings import DEFAULTS


def test_defaults_apply_to_missing_and_empty_values():
    settings = TalonSettings.from_mapping({"TALON_BASE_URL": "https://shop.europe-west1.talon.one/",
                                           "TALON_READ_TIMEOUT": "", "TALON_RETRIES": None},
                                          environ={})
    assert settings.base_url == "https://shop.europe-west1.talon.one"  # no trailing slash
    assert settings.read_timeout == DEFAULTS["TALON_READ_TIMEOUT"]
    assert settings.retries == DEFAULTS["TALON_RETRIES"]
    assert settings.application_id == 1 and settings.currency == "EUR"


def test_values_from_the_environment_are_converted():
    settings = TalonSettings.from_mapping({
        "TALON_APPLICATION_ID": "7", "TALON_CONNECT_TIMEOUT": "1.5", "TALON_RETRIES": "0",
        "TALON_CIRCUIT_THRESHOLD": "3", "TALON_CIRCUIT_COOLDOWN": "10", "CURRENCY": "GBP",
        "TALON_POOL_SIZE": "64", "TALON_FANOUT_WORKERS": "4",
    }, environ={})
    assert (settings.application_id, settings.connect_timeout, settings.retries) == (7, 1.5, 0)
    assert (settings.circuit_threshold, settings.circuit_cooldown) == (3, 10.0)
    assert (settings.currency, settings.pool_size, settings.fanout_workers) == ("GBP", 64, 4)


def test_keys_are_masked():
    settings = TalonSettings.from_mapping({"TALON_INTEGRATION_KEY": "int-SECRET",
                                           "TALON_MANAGEMENT_KEY": "mgmt-SECRET"})
    assert "SECRET" not in repr(settings)
    assert "SECRET" not in str(settings.as_public_dict())


def test_a_key_with_a_line_break_is_refused_without_echoing_it():
    with pytest.raises(ValueError) as caught:
        TalonSettings.from_mapping({"TALON_INTEGRATION_KEY": "abc\r\nX-Evil: 1"})
    assert "abc" not in str(caught.value) and "TALON_INTEGRATION_KEY" in str(caught.value)


def test_the_environment_fills_what_the_config_leaves_out():
    settings = TalonSettings.from_mapping(
        {"TALON_READ_TIMEOUT": 4},
        environ={"TALON_READ_TIMEOUT": "20", "TALON_RETRIES": "5", "TALON_PROXY": "http://proxy:3128"})
    assert settings.read_timeout == 4.0  # the config wins
    assert settings.retries == 5 and settings.proxy == "http://proxy:3128"


def test_proxy_and_ca_bundle_reach_the_session():
    from app.talon import TalonService

    with TalonService(TalonSettings(proxy="http://proxy.internal:3128",
                                    ca_bundle="/etc/ssl/corp.pem")) as service:
        assert service.http.proxies == {"http": "http://proxy.internal:3128",
                                        "https": "http://proxy.internal:3128"}
        assert service.http.verify == "/etc/ssl/corp.pem"
