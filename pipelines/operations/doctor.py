"""`kejiao doctor`: is this deployment fit to serve anyone? Checked before it starts.

Each check says what it found and, when it fails, how to fix it (Chinese first, English after):
the secrets file present, readable only by the service and strong; `[auth]` complete; the role
table present, with real identities and no demo ones; the pseudonym key at least 32 bytes,
readable only by the service user and pinned to the warehouse; the data folder closed to
others; the dashboard bound to the loopback address (behind the reverse proxy); the demo flag
off. deploy/README.md runs it as the first step; the dashboard's systemd unit runs it before
start (`ExecStartPre`), so a misconfigured server does not start.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pipelines.access import deployment
from pipelines.access.roles import Role, assignments_path, load_assignments
from pipelines.settings import (
    MIN_KEY_BYTES,
    PseudonymKeyError,
    Settings,
    get_settings,
    pseudonym_key_text,
    root_channel_is_data_team,
    streamlit_server_address,
)

LOOPBACK = ("127.0.0.1", "localhost", "::1")
AUTH_KEYS = ("redirect_uri", "cookie_secret", *deployment.PROVIDER_KEYS)


@dataclass
class Check:
    name: str
    ok: bool
    found: str
    fix: str = ""

    def lines(self) -> list[str]:
        mark = "通过 OK  " if self.ok else "失败 FAIL"
        out = [f"[{mark}] {self.name}: {self.found}"]
        if not self.ok and self.fix:
            out.append(f"          修正 fix: {self.fix}")
        return out


def _private(path: Path) -> str | None:
    """Why a file or folder is open to others than its owner, or None."""
    mode = path.stat().st_mode
    if mode & stat.S_IRWXO:
        return f"{path} 的权限为 {stat.filemode(mode)}，其他用户可访问 / mode {stat.filemode(mode)}: others may read it"
    if path.stat().st_uid != os.geteuid():
        return f"{path} 不属于本服务账号 / is not owned by this service's account (uid {os.geteuid()})"
    return None


def check_secrets(path: Path) -> tuple[list[Check], dict | None]:
    name = "secrets 文件 / secrets file"
    if not path.exists():
        return [Check(name, False, f"{path} 不存在 / does not exist",
                      f"按 .streamlit/secrets.example.toml 创建 {path}（属主为服务账号，权限 0600）"
                      f" / create {path} from .streamlit/secrets.example.toml (owned by the service account, mode 0600)")], None
    try:
        parsed = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return [Check(name, False, f"{path} 无法读取 / cannot be read: {error}",
                      "修正 TOML 语法与文件权限 / fix its TOML syntax and permissions")], None
    checks = []
    open_to_others = _private(path)
    checks.append(Check(name, open_to_others is None, open_to_others or f"{path} 仅服务账号可读 / readable by the service only",
                        f"chown kejiao:kejiao {path} && chmod 0600 {path}"))
    section = parsed.get("auth")
    if not isinstance(section, dict):
        checks.append(Check("[auth] 身份认证 / sign-in", False, "secrets 中没有 [auth] / no [auth] in the secrets",
                            "按 deploy/README.md 填写 [auth] / fill in [auth] as deploy/README.md says"))
        return checks, None
    return checks, section


def check_auth(section: dict) -> list[Check]:
    checks = []
    has_provider = all(section.get(k) for k in deployment.PROVIDER_KEYS) or any(
        isinstance(v, dict) and all(v.get(k) for k in deployment.PROVIDER_KEYS) for v in section.values())
    missing = [k for k in ("redirect_uri", "cookie_secret") if not section.get(k)]
    if not has_provider:
        missing.append("client_id / client_secret / server_metadata_url")
    checks.append(Check("[auth] 完整 / complete", not missing,
                        "完整 / complete" if not missing else f"缺少 missing: {', '.join(missing)}",
                        "补全 .streamlit/secrets.toml 的 [auth] / complete [auth] in .streamlit/secrets.toml"))
    uri = str(section.get("redirect_uri") or "")
    local = any(f"//{host}" in uri for host in ("127.0.0.1", "localhost", "[::1]"))
    if uri and not uri.startswith("https://") and not local:
        checks.append(Check("[auth] redirect_uri", False, f"{uri} 不是 https / is not https",
                            "使用反向代理的 https 地址 + /oauth2callback / use the proxy's https address + /oauth2callback"))
    problems = deployment.auth_problems(section)
    checks.append(Check("[auth] 密钥强度 / secrets strength", not problems,
                        "cookie_secret 与 client_secret 均非占位值，cookie_secret ≥ 32 随机字节 / no placeholder, "
                        "cookie_secret ≥ 32 random bytes" if not problems else " ".join(p.zh for p in problems),
                        " ".join(f"{p.fix_zh} / {p.fix_en}" for p in problems)))
    return checks


def check_roles(settings: Settings) -> list[Check]:
    name = "角色分配表 / role table"
    path = assignments_path(settings)
    if not path.exists():
        return [Check(name, False, f"{path} 不存在，任何人都不能登录 / missing: nobody can sign in",
                      f"从备份恢复，或创建至少含一名数据组成员的 {path}（列见 pipelines/access/roles.py）/ restore it from a "
                      f"backup, or create {path} with at least one data-team row")]
    raw = load_assignments(path, demo=True)  # as written, demo rows included, to say so
    demo = [r.identity for r in raw.rows if r.is_demo]
    table = load_assignments(path, demo=False)
    checks = [Check(name, bool(table.rows) and not demo and not table.problems,
                    (f"{len(table.rows)} 行有效 / valid rows" + (f"；演示身份 demo identities: {', '.join(demo)}" if demo else "")
                     + (f"；问题行 rows with problems: {[line for line, _, _ in table.problems]}" if table.problems else "")),
                    "删除演示身份（.invalid）与问题行，至少保留一名数据组成员 / remove demo (.invalid) and faulty rows; keep "
                    "at least one data-team row")]
    if table.rows and not any(r.role is Role.DATA_TEAM for r in table.rows):
        checks.append(Check(name, False, "没有数据组成员，无人能维护角色 / no data-team row: nobody can manage roles",
                            "加入一行 role=data_team / add a data_team row"))
    return checks


def check_key(settings: Settings) -> list[Check]:
    from pipelines.intake.keys import fingerprint, pinned_fingerprint

    name = "假名密钥 / pseudonym key"
    checks = []
    env = pseudonym_key_text()
    if env:
        key = env.encode("utf-8")
        ok = len(key) >= MIN_KEY_BYTES
        checks.append(Check(name, ok, f"来自 KEJIAO_PSEUDONYM_KEY，{len(key)} 字节 / from the environment, {len(key)} bytes",
                            f"至少 {MIN_KEY_BYTES} 字节；若仓库已用旧密钥建立，请保留旧密钥 / at least {MIN_KEY_BYTES} bytes; "
                            "keep the old key if the warehouse was built with it"))
        env_file = Path("/etc/kejiao2030/kejiao.env")
        if env_file.exists() and env_file.stat().st_mode & stat.S_IRWXO:
            checks.append(Check(name, False, f"{env_file} 其他用户可读 / readable by others",
                                f"chown root:kejiao {env_file} && chmod 0640 {env_file}"))
    else:
        path = settings.key_path
        if not path.exists():
            checks.append(Check(name, False, f"{path} 不存在 / missing",
                                "首次运行会生成；若仓库已有数据，请从备份恢复原密钥 / the first run makes one; with data "
                                "already in the warehouse, restore the original from its backup"))
            return checks
        key = path.read_text().strip().encode("utf-8")
        open_to_others = _private(path) or (f"{path} 组可读 / readable by its group" if path.stat().st_mode & 0o077 else None)
        checks.append(Check(name, len(key) >= MIN_KEY_BYTES and open_to_others is None,
                            open_to_others or f"{path}，{len(key)} 字节，仅服务账号可读 / {len(key)} bytes, owner-only",
                            f"chown kejiao:kejiao {path} && chmod 0600 {path}；不足 {MIN_KEY_BYTES} 字节则从备份恢复 / "
                            f"restore it from its backup if under {MIN_KEY_BYTES} bytes"))
    if settings.warehouse_path.exists():
        import duckdb

        try:
            con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        except duckdb.Error as error:
            # a run holds the warehouse (the dashboard may start during one): intake itself stops on
            # another key (pipelines/intake/keys.py), so the comparison may wait for the next check
            locked = "lock" in str(error).lower()
            checks.append(Check("密钥与仓库 / key pinned", locked,
                                ("仓库正被一次运行占用，本次未比对（运行本身会拒绝其他密钥）/ the warehouse is in use by a run: "
                                 "not compared now (the run itself refuses another key)") if locked else
                                f"仓库无法打开 / the warehouse cannot be opened: {error}",
                                "检查仓库文件的属主与权限 / check the warehouse file's owner and mode"))
            return checks
        try:
            pinned = pinned_fingerprint(con)
        finally:
            con.close()
        same = pinned is None or pinned == fingerprint(key)
        checks.append(Check("密钥与仓库 / key pinned", same,
                            "尚未固定，首次运行时固定 / not pinned yet: the next run pins it" if pinned is None else
                            ("与仓库一致 / the warehouse's key" if same else "与仓库建立时的密钥不同 / not the key the "
                             "warehouse was built with"),
                            "恢复原密钥（KEJIAO_PSEUDONYM_KEY 或 pseudonym.key）/ restore the original key"))
    return checks


def check_data_dir(settings: Settings) -> list[Check]:
    name = "数据目录 / data folder"
    path = settings.data_dir
    if not path.is_dir():
        return [Check(name, False, f"{path} 不存在 / missing",
                      f"install -d -o kejiao -g kejiao -m 0750 {path}")]
    problem = _private(path)
    return [Check(name, problem is None, problem or f"{path} 仅服务账号与其组可访问 / closed to others",
                  f"chown -R kejiao:kejiao {path} && chmod 0750 {path}")]


def bind_address(explicit: str | None) -> str:
    """The dashboard's bind address: as given, else STREAMLIT_SERVER_ADDRESS, else .streamlit/config.toml."""
    if explicit:
        return explicit
    if streamlit_server_address():
        return streamlit_server_address()
    config = Path(".streamlit/config.toml")
    if config.exists():
        try:
            return str(tomllib.loads(config.read_text(encoding="utf-8")).get("server", {}).get("address") or "")
        except tomllib.TOMLDecodeError:
            return ""
    return ""


def check_bind(address: str) -> list[Check]:
    ok = address in LOOPBACK
    return [Check("监听地址 / bind address", ok, f"{address or '未设置（所有网卡）/ unset: every interface'}",
                  "以 --server.address 127.0.0.1 启动，由反向代理（nginx）对外提供 https / start with --server.address "
                  "127.0.0.1 and serve https through the reverse proxy")]


def check_demo() -> list[Check]:
    checks = [Check("演示模式 / demo flag", not deployment.demo_requested(),
                    "KEJIAO_DEMO=1 已设置 / is set" if deployment.demo_requested() else "关闭 / off",
                    "从 /etc/kejiao2030/kejiao.env 删除 KEJIAO_DEMO / remove KEJIAO_DEMO from the environment")]
    if root_channel_is_data_team():
        checks.append(Check("收件箱根目录 / inbox root", True,
                            "视为数据组文件夹：请确认共享根目录只有数据组账号可写 / counts as the data team's folder: "
                            "make sure only the data team's account can write the share's root"))
    return checks


def run_checks(secrets_path: Path, address: str | None = None, settings: Settings | None = None) -> list[Check]:
    settings = settings or get_settings()
    checks, section = check_secrets(secrets_path)
    if section is not None:
        checks += check_auth(section)
    checks += check_roles(settings)
    try:
        checks += check_key(settings)
    except PseudonymKeyError as error:
        checks.append(Check("假名密钥 / pseudonym key", False, str(error)))
    checks += check_data_dir(settings)
    checks += check_bind(bind_address(address))
    checks += check_demo()
    return checks
