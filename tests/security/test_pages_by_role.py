"""Attack (issue 12, finding 9): open every page a role may open, as that role.

A page that raises for a role it is open to (a school's methodology page read
`st.session_state["year"]`, which only the filters of the city-wide roles set) shows the viewer
a traceback with the app's internals. Every demo identity of seeds/role_assignments.csv is chosen
in the demo switcher, and every page `dashboards.scope.may_open` grants it is run as it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import auth, scope
from dashboards.pages import PAGES
from pipelines.access.roles import demo_identities, parse_assignments, resolve
from pipelines.settings import SEEDS_DIR
from tests.dashboards.conftest import _demo_runs_on_loopback, demo_data_dir, demo_env  # noqa: F401
from tests.dashboards.dashboard_support import APP

TABLE = parse_assignments((SEEDS_DIR / "role_assignments.csv").read_text(encoding="utf-8"))
IDENTITIES = [row.identity for row in demo_identities(TABLE)]


def viewer_scope(identity: str):
    return resolve({"email": identity, "name": identity}, TABLE, mode="demo").viewer.scope


# every (role, page) the role may open; which pages are closed to whom is tests/dashboards/test_scope.py's
CASES = [(identity, path, url) for identity in IDENTITIES for path, _, url, _ in PAGES
         if scope.may_open(viewer_scope(identity), url)]


def test_every_role_has_pages_to_open():
    assert len(IDENTITIES) >= 5  # data team, commission, district bureau, school, university
    assert {identity for identity, _, _ in CASES} == set(IDENTITIES)
    assert ("hexi12zhong@demo.kejiao.invalid", "app_pages/methodology.py", "methodology") in CASES


@pytest.mark.parametrize(("identity", "path", "url"), CASES, ids=[f"{i.split('@')[0]}-{u}" for i, _, u in CASES])
def test_every_page_open_to_a_role_renders_for_it(demo_env, identity, path, url):  # noqa: F811
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["lang"] = "zh"
    at.session_state[auth.DEMO_KEY] = identity
    at.switch_page(path)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, f"{url} drew nothing for {identity}"


CLOSED = [(identity, path, url) for identity in IDENTITIES for path, _, url, _ in PAGES
          if not scope.may_open(viewer_scope(identity), url)]


@pytest.mark.parametrize(("identity", "path", "url"), CLOSED, ids=[f"{i.split('@')[0]}-{u}" for i, _, u in CLOSED])
def test_a_page_closed_to_a_role_answers_its_address_with_a_refusal(demo_env, identity, path, url):  # noqa: F811
    """A bookmark of a page the role may not open: a refusal in the reader's language (never the
    page, never Streamlit's English "Page not found")."""
    from dashboards.i18n import t

    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["lang"] = "zh"
    at.session_state[auth.DEMO_KEY] = identity
    at.switch_page(path)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [x.value for x in at.title] == [t("page_closed_title")]
    assert not at.dataframe and not at.get("plotly_chart")
