# Fixtures for real components (broker, ClickHouse, Qdrant) shared by every test folder.
import os

# Services require API keys by default (LOGMESH_AUTH=keys). Tests of other behaviour run them with
# auth off; the tests of keys and tenants (services/*/tests/test_tenants.py, test_auth.py) turn it on.
os.environ.setdefault("LOGMESH_AUTH", "off")

pytest_plugins = ["logmesh_testing.fixtures"]
