from pronoia.audit.testing import data_access_log_purgeable  # noqa: F401
