from tests.imports.conftest import world_store  # noqa: F401  (shared fixture)
