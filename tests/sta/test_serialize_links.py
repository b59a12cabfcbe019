"""The nextLink query of an expanded page, written without urlencode, is urlencode's."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from cityops.sta.serialize import page_query


@pytest.mark.parametrize(("top", "skip"), [(0, 0), (1, 1), (100, 200), (10**12, 7)])
def test_page_query_is_urlencodes(top, skip):
    assert page_query(top, skip) == urlencode({"$top": top, "$skip": skip})
