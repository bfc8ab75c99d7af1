"""The repository layout that the sign-in gate depends on."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_top_level_pages_folder():
    # Streamlit serves a top-level pages/ folder as its own page list: on a server's first
    # request straight to a page URL it runs that file before app.py's st.navigation, and so
    # without the sign-in gate.  Page files live in views/.
    assert not (ROOT / "pages").exists()


def test_every_view_is_routed_by_app():
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    views = sorted(
        p.as_posix() for p in (ROOT / "views").glob("*.py") if not p.name.startswith("_")
    )
    assert views
    unrouted = [v for v in views if f'"views/{Path(v).name}"' not in app]
    assert not unrouted
