"""科教2030 仪表盘 — the dashboard the commission's staff open every morning.

Entry point: the shared sidebar (language, year, district, where the data comes from), then
`st.navigation` over the pages in app_pages/. Reads only the published snapshot, read-only.
Run with `streamlit run dashboards/streamlit_app.py`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards import auth, data, scope, ui
from dashboards import format as fmt
from dashboards.i18n import DEFAULT_LANG, LANGUAGES, t
from dashboards.pages import PAGES
from pipelines.access import deployment
from pipelines.access.roles import Permission

# The tab's icon is a file of the project: a Material name here makes every viewer's browser fetch it
# from fonts.gstatic.com, which the commission's network does not reach (and should not be told of).
st.set_page_config(page_title="科教2030", page_icon=str(Path(__file__).parent / "assets" / "favicon.png"),
                   layout="wide")


def filter_select(name: str, label: str, options: list, format_func) -> None:
    """A sidebar filter whose choice outlives a change of language.

    The choice lives in `st.session_state[name]` (what pages read); the widget showing it is one per
    language, so that its words are redrawn in the new language while the choice stays."""
    widget = f"_{name}_widget_{ui.lang()}"
    if st.session_state.get(name) not in options:
        st.session_state[name] = options[0]
    st.session_state[widget] = st.session_state[name]
    st.selectbox(label, options=options, key=widget, format_func=format_func,
                 on_change=lambda: st.session_state.update({name: st.session_state[widget]}))


if "lang" not in st.session_state:
    st.session_state["lang"] = DEFAULT_LANG

with st.sidebar:
    st.segmented_control(
        "语言 / Language", options=list(LANGUAGES), format_func=LANGUAGES.get, key="lang",
        selection_mode="single", required=True,
    )
lang = ui.lang()

# demo mode only: the identity chosen in the switcher rides in the address (?demo=...), so that a
# reload or a bookmarked page opens as the same demo identity (the switcher still decides)
DEMO_PARAM = "demo"
try:
    demo_mode = auth.auth_section() is None
except deployment.ConfigurationError:  # require_viewer below shows it, and nothing else
    demo_mode = False
if demo_mode and auth.DEMO_KEY not in st.session_state and st.query_params.get(DEMO_PARAM):
    st.session_state[auth.DEMO_KEY] = st.query_params[DEMO_PARAM]

# nobody gets further without a viewer: the sign-in (or demo refusal) page stops the script here
viewer = auth.require_viewer()
if demo_mode and viewer.mode == "demo" and st.query_params.get(DEMO_PARAM) != viewer.identity:
    st.query_params[DEMO_PARAM] = viewer.identity


def closed_page(title_key: str):
    """A page the role may not open, reached by its address (a bookmark): say so in the reader's
    language and point to the role's own pages, instead of Streamlit's English "Page not found"."""

    def page() -> None:
        st.title(t("page_closed_title", lang))
        st.warning(t("page_closed_to_role", lang, role=auth.role_label(viewer.role)), icon=":material/lock:")
        auth.record("access_denied", viewer, subject=title_key, outcome="denied")
        first = next((p for p in PAGES if scope.may_open(viewer.scope, p[2])), None)
        if first is not None:
            st.page_link(first[0], label=t(first[1], lang), icon=first[3])

    page.__name__ = f"closed_{title_key}"
    return page


def landing() -> None:
    """The address of the app itself ('/'): the role's first page. A real page marked default would
    be served at '/' only, and its own address (a bookmark of /overview) would be 'Page not found'."""
    first = next((p for p in PAGES if scope.may_open(viewer.scope, p[2])), None)
    if first is None:
        st.title(t("page_closed_title", lang))
        st.stop()
    st.switch_page(first[0])


# pages by role, deny by default; the others answer their address with a refusal, hidden from the menu
navigation = st.navigation([
    st.Page(landing, title=t("app_title", lang), url_path="home", default=True, visibility="hidden"),
    *(st.Page(path, title=t(title_key, lang), url_path=url_path, icon=icon)
      if scope.may_open(viewer.scope, url_path)
      else st.Page(closed_page(title_key), title=t(title_key, lang), url_path=url_path, icon=icon, visibility="hidden")
      for path, title_key, url_path, icon in PAGES),
])

published = data.current_snapshot()
snap = scope.scoped(published, viewer.scope) if published is not None else None
st.session_state["_snapshot"] = snap
if snap is not None and viewer.scope.may(Permission.CITY_FIGURES):  # a school has no filters
    try:
        years = data.periods(snap)
        district_frame = data.districts(snap)
    except data.SnapshotUnavailable:
        st.session_state["_snapshot"] = None
        years = []
    else:
        st.session_state["_years"] = years
        with st.sidebar:
            if not years:
                st.warning(t("no_years", lang))
            else:
                filter_select("year", t("year_label", lang), years[::-1], lambda y: fmt.fmt_year(y, lang))
                names = dict(zip(
                    district_frame["district_code"].to_list(),
                    district_frame["district_name_zh" if lang == "zh" else "district_name_en"].to_list(),
                ))
                filter_select("district", t("district_label", lang), [data.CITY, *(names if viewer.scope.is_city_wide else viewer.scope.districts)],
                              lambda code: t("whole_city", lang) if code == data.CITY else names[code])
            meta = data.snapshot_meta(snap)
            st.divider()
            st.caption(t("sidebar_as_of", lang, as_of=fmt.fmt_datetime(meta.get("as_of"), lang),
                         snapshot=snap.name, published_at=fmt.fmt_datetime(meta.get("published_at"), lang)))
            if st.button(t("reload", lang), icon=":material/refresh:", key="reload"):
                st.rerun()
        if not years:
            st.session_state["_snapshot"] = None

auth.sidebar(viewer)  # who is signed in (or the demo switcher), below the filters
navigation.run()
