"""An upload's request body is closed after the request, whatever the answer: no file handle is
left for the garbage collector (a ResourceWarning, which warnings from our modules turn into an
error, wherever it happens to run)."""

from __future__ import annotations

import gc
import io
import warnings

import pytest

BIG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 600_000  # over Werkzeug's 500 kB: spooled to a temporary file


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"note": "a NUL \x00 in the form"}, 400),  # refused in ideaspace/inputs.py after reading the form
        ({"note": "plain"}, 404),
    ],
)
def test_an_upload_leaves_no_open_file(client, fields, expected):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        response = client.post("/no-such-workspace/x", data={**fields, "image": (io.BytesIO(BIG), "p.png")})
        assert response.status_code == expected
        assert response.request.environ["wsgi.input"].closed
        del response
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)], [
        str(w.message) for w in caught
    ]


def test_a_body_over_the_request_limit_leaves_no_open_file(client):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        response = client.post("/no-such-workspace/x", data={"image": (io.BytesIO(BIG * 9), "p.png")})
        assert response.status_code == 413
        del response
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)], [
        str(w.message) for w in caught
    ]
