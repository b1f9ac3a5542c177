from ..auth.conftest import fresh_requests  # noqa: F401
