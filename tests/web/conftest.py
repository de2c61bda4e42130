from tests.web.helpers import offline_app_config  # noqa: F401  (fixture)
