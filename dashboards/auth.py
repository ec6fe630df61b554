"""Sign-in and the viewer: who is looking, with which role and scope, on every page.

Two modes, decided by `.streamlit/secrets.toml` (see `.streamlit/secrets.example.toml`):

- **Sign-in** (an `[auth]` section exists): Streamlit's own OIDC (`st.login`, `st.user`, Authlib)
  against the organisation's identity provider. The identity's claims (`sub`, `email`, a group
  claim) are looked up in the role-assignment table (pipelines/access/roles.py); no match, no
  access. There is no other way in: no switcher, no URL, no default identity. An `[auth]`
  section that is incomplete denies everyone rather than falling back to the demo.
- **Demo**: only when asked for explicitly (`KEJIAO_DEMO=1`, set by `make demo`/`make dashboard`),
  with no `[auth]` section, over a data folder that holds demo data (a role table of demo
  identities only), with the server on 127.0.0.1 alone and the browser on the same machine.
  Every page says it is a demo, and a switcher in the sidebar picks one of the demo identities
  of the assignment table (addresses at `.invalid`).
- Anything else is a **configuration error** and nothing else is drawn: no `[auth]` without the
  demo flag, a secrets file that exists but cannot be read or parsed (never taken for "no
  sign-in"), the demo flag over real role assignments (pipelines/access/deployment.py).

`require_viewer()` runs before `st.navigation`; a request that has no viewer gets only the
sign-in (or refusal) page and the script stops there.
"""

from __future__ import annotations

import os

import streamlit as st
from streamlit import config as st_config

from dashboards.i18n import DEFAULT_LANG, t
from pipelines.access import audit, deployment
from pipelines.access.roles import (
    ROLE_LABELS,
    Assignment,
    Role,
    Viewer,
    demo_identities,
    load_assignments,
    resolve,
)
from pipelines.settings import get_settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")
VIEWER_KEY = "_kejiao_viewer"
SIGNED_IN_KEY = "_kejiao_signed_in"
DEMO_KEY = "kejiao_demo_identity"
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


def _tr(key: str, **values) -> str:
    """Translate into the language chosen in the sidebar (as dashboards.ui.tr, which builds on this module)."""
    return t(key, _lang(), **values)


# ---------------------------------------------------------------- configuration

def _secrets_file_present() -> bool:
    """A configured secrets path exists (whether or not it can be read)."""
    return any(os.path.lexists(path) for path in st_config.get_option("secrets.files") or [])


def auth_section() -> dict | None:
    """The `[auth]` section of the secrets, or None when no secrets file exists or it has no
    `[auth]`. A secrets file that exists but cannot be read or parsed raises ConfigurationError:
    it is never taken for "no sign-in"."""
    try:
        if "auth" not in st.secrets:
            return None
        section = st.secrets["auth"]
        section = section.to_dict() if hasattr(section, "to_dict") else dict(section)
    except FileNotFoundError as error:  # Streamlit's "no secrets found" and its parse errors alike
        if _secrets_file_present():
            raise deployment.ConfigurationError([deployment.secrets_unreadable(str(error))]) from error
        return None
    except Exception as error:
        raise deployment.ConfigurationError([deployment.secrets_unreadable(f"{type(error).__name__}: {error}")]) \
            from error
    return section


def providers(section: dict) -> list[str | None]:
    """Providers configured completely: None for the unnamed one, else the names of [auth.NAME]."""
    if not section.get("redirect_uri") or not section.get("cookie_secret"):
        return []
    found: list[str | None] = []
    if all(section.get(k) for k in PROVIDER_KEYS):
        found.append(None)
    for name, value in section.items():
        if isinstance(value, dict) and all(value.get(k) for k in PROVIDER_KEYS):
            found.append(name)
    return found


PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-Ip")


def is_local_only() -> bool:
    """The server listens on the loopback interface only, the browser is on the same machine, and
    no proxy on this machine forwards someone else's request to it."""
    if st_config.get_option("server.address") not in LOOPBACK:
        return False
    ip = st.context.ip_address  # None for a loopback client
    if isinstance(ip, str) and ip not in LOOPBACK:
        return False
    headers = st.context.headers
    return not any(headers.get(h) for h in PROXY_HEADERS) if hasattr(headers, "get") else True


# ---------------------------------------------------------------- the gate

def require_viewer() -> Viewer:
    """The viewer of this session; otherwise draws the sign-in, refusal or configuration-error
    page and stops."""
    try:
        section = auth_section()
        if section is None and not deployment.demo_requested():
            raise deployment.ConfigurationError([deployment.NO_AUTH])
        viewer = _signed_in_viewer(section) if section is not None else _demo_viewer()
    except deployment.ConfigurationError as error:
        configuration_error(error.problems)
    st.session_state[VIEWER_KEY] = viewer
    _record_sign_in(viewer)
    return viewer


def current_viewer() -> Viewer | None:
    return st.session_state.get(VIEWER_KEY)


def known_districts() -> list[str]:
    import polars as pl

    from pipelines.settings import SEEDS_DIR

    return pl.read_csv(SEEDS_DIR / "districts.csv", schema_overrides={"district_code": pl.String})[
        "district_code"].to_list()


def _table(demo: bool):
    """The role table; signed-in mode never falls back to the seed, whatever the demo flag says."""
    return load_assignments(known_districts=known_districts(), demo=demo)


def configuration_error(problems: list[deployment.Problem]) -> None:
    """The deployment is not fit to serve: say what and how to fix it (both languages), draw
    nothing else, stop."""
    _page_header()
    for problem in problems:
        st.error(problem.text(), icon=":material/gpp_bad:")
    st.stop()


def _signed_in_viewer(section: dict) -> Viewer:
    weak = deployment.auth_problems(section)  # a forgeable cookie secret: serve nothing, before any sign-in
    if weak:
        raise deployment.ConfigurationError(weak)
    names = providers(section)
    if not names:
        _page_header()
        st.error(_tr("auth_misconfigured"))
        st.stop()
    table = _table(demo=False)
    if table.missing:  # nobody gets in, and every visitor is told why
        _, zh, en = table.problems[0]
        raise deployment.ConfigurationError([deployment.Problem(zh, en)])
    if not st.user.is_logged_in:
        _page_header()
        st.info(_tr("auth_sign_in_intro"))
        for name in names:
            label = _tr("auth_sign_in") if name is None else _tr("auth_sign_in_with", provider=name)
            if st.button(label, type="primary", icon=":material/login:", key=f"login_{name or 'default'}"):
                if name:
                    st.login(name)
                else:
                    st.login()
        st.stop()
    claims = st.user.to_dict()
    result = resolve(claims, table, mode="oidc", single_issuer=len(names) == 1)
    if result.viewer is None:
        who = str(claims.get("email") or claims.get("sub") or "?")
        if st.session_state.get(SIGNED_IN_KEY) != f"denied:{who}":
            audit.record("sign_in_denied", audit.Actor(who, mode="oidc"), outcome="denied",
                         detail={"sub": claims.get("sub"), "reason": result.reason_en})
            st.session_state[SIGNED_IN_KEY] = f"denied:{who}"
        _page_header()
        st.error(result.reason_zh if _lang() == "zh" else result.reason_en)
        if st.button(_tr("auth_sign_out"), icon=":material/logout:", key="logout_denied"):
            st.logout()
        st.stop()
    return result.viewer


def _demo_viewer() -> Viewer:
    if not is_local_only():
        _page_header()
        st.error(_tr("auth_demo_refused"))
        st.stop()
    table = _table(demo=True)
    if any(not row.is_demo for row in table.rows):
        raise deployment.ConfigurationError([deployment.NOT_DEMO_DATA])
    identities = demo_identities(table)
    if not identities:
        _page_header()
        st.error(_tr("auth_no_demo_identities"))
        st.stop()
    by_identity = {row.identity: row for row in identities}
    if st.session_state.get(DEMO_KEY) not in by_identity:
        st.session_state[DEMO_KEY] = identities[0].identity
    st.session_state["_kejiao_demo_identities"] = identities  # the switcher is drawn by sidebar()
    chosen = by_identity[st.session_state[DEMO_KEY]]
    result = resolve({"email": chosen.identity, "name": chosen.display_name or chosen.identity}, table, mode="demo")
    if result.viewer is None:  # a demo row that conflicts with another: say so
        st.error(result.reason_zh if _lang() == "zh" else result.reason_en)
        st.stop()
    viewer = result.viewer
    st.warning(_tr("auth_demo_banner", name=viewer.name, role=role_label(viewer.role)), icon=":material/science:")
    return viewer


def _demo_label(row: Assignment) -> str:
    zh, en = ROLE_LABELS[row.role]
    return f"{row.display_name or row.identity} · {zh} {en}"  # the same in both languages


def _lang() -> str:
    return st.session_state.get("lang", DEFAULT_LANG)


def role_label(role: Role) -> str:
    zh, en = ROLE_LABELS[role]
    return zh if _lang() == "zh" else en


def scope_label(viewer: Viewer) -> str:
    scope = viewer.scope
    if scope.is_city_wide:
        return _tr("whole_city")
    codes = scope.districts or scope.schools
    if scope.role is Role.DISTRICT:
        import polars as pl

        from pipelines.settings import SEEDS_DIR

        frame = pl.read_csv(SEEDS_DIR / "districts.csv", schema_overrides={"district_code": pl.String})
        column = "district_name_zh" if _lang() == "zh" else "district_name_en"
        names = dict(zip(frame["district_code"].to_list(), frame[column].to_list()))
        return "、".join(names.get(c, c) for c in codes)
    return "、".join(codes)


def _page_header() -> None:
    st.title(_tr("app_title"))
    st.caption(_tr("auth_page_caption"))


def sidebar(viewer: Viewer) -> None:
    """Who is signed in, with the sign-out button (or, in the demo, the identity switcher); drawn
    below the app's own filters."""
    with st.sidebar:
        st.divider()
        st.markdown(_tr("auth_signed_in_as", name=viewer.name or viewer.identity, role=role_label(viewer.role),
                        scope=scope_label(viewer)))
        if viewer.mode == "oidc":
            if st.button(_tr("auth_sign_out"), icon=":material/logout:", key="logout"):
                record("sign_out", viewer)
                st.logout()
        else:
            by_identity = {row.identity: row for row in st.session_state.get("_kejiao_demo_identities", [])}
            st.radio(_tr("auth_demo_switcher"), options=list(by_identity), key=DEMO_KEY,
                     format_func=lambda i: _demo_label(by_identity[i]))
            st.caption(_tr("auth_demo_sidebar"))


# ---------------------------------------------------------------- audit

def actor(viewer: Viewer | None) -> audit.Actor:
    if viewer is None:
        return audit.Actor(None)
    return audit.Actor(viewer.identity, viewer.role.value, viewer.scope.key(), viewer.mode)


def record(event: str, viewer: Viewer | None = None, *, subject: str | None = None, outcome: str = "ok",
           detail: dict | None = None) -> None:
    audit.record(event, actor(viewer or current_viewer()), subject=subject, outcome=outcome, detail=detail,
                 path=audit.audit_path(get_settings()))


def record_download(file_name: str, what: str = "") -> None:
    """`on_click` of every download button: who downloaded which file."""
    record("download", subject=file_name, detail={"what": what} if what else None)


def _record_sign_in(viewer: Viewer) -> None:
    key = f"{viewer.mode}:{viewer.identity}:{viewer.scope.key()}"
    if st.session_state.get(SIGNED_IN_KEY) != key:
        record("sign_in", viewer, detail={"matched_by": viewer.matched_by, "name": viewer.name})
        st.session_state[SIGNED_IN_KEY] = key


def refuse_page(viewer: Viewer) -> None:
    """A page opened without the permission it needs (e.g. by URL): say so, record it, stop."""
    record("access_denied", viewer, subject=st.session_state.get("_kejiao_page", ""), outcome="denied")
    st.error(_tr("auth_page_denied"))
    st.stop()
