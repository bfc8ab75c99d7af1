"""Page addresses: which requested paths are unknown (the browser test follows them)."""

import pytest

from shopsight.ui import routes

FILES = ["views/data.py", "views/overview.py", "views/sources.py"]


@pytest.mark.parametrize(
    ("url", "base", "want"),
    [
        ("http://h:8501", "", None),  # the root is the default page
        ("http://h:8501/overview", "", None),  # the default page's own name
        ("http://h:8501/sources", "", None),
        ("http://h:8501/nosuch", "", "nosuch"),
        ("http://h:8501/nosuch/", "", "nosuch"),
        ("https://shop.example/app/sources", "app", None),  # behind a base path
        ("https://shop.example/app/nosuch", "/app/", "nosuch"),
        ("https://shop.example/app", "app", None),
        ("https://shop.example/other/x", "app", None),  # not under the base path
        ("http://h:8501/a/b", "", None),  # not one page name: Streamlit's own
        ("http://h:8501/%3Cimg%3E", "", None),
        (None, "", None),  # no browser (AppTest, bare mode)
    ],
)
def test_unknown_path(url, base, want):
    assert routes.unknown_path(url, base, FILES) == want


def test_path_of_a_page_file():
    assert routes.path_of("views/overview.py") == "overview"
