# Fixtures for real components (broker, ClickHouse, Qdrant) shared by every test folder.
pytest_plugins = ["logmesh_testing.fixtures"]
