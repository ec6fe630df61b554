"""What a deployment must be before it serves anyone: the rules the dashboard applies on every
request and `kejiao doctor` checks before start, in one place.

Each rule answers with `Problem`s: what is wrong, and how to fix it (Chinese first, English
after). The dashboard shows them as a configuration error and nothing else; the doctor prints
them with their fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.settings import demo_flag


@dataclass(frozen=True)
class Problem:
    zh: str
    en: str
    fix_zh: str = ""
    fix_en: str = ""

    def text(self) -> str:
        """What and how to fix, Chinese then English, one paragraph each (as Markdown)."""
        parts = [self.zh, self.en] + ([f"修正方法：{self.fix_zh}", f"How to fix: {self.fix_en}"] if self.fix_zh else [])
        return "\n\n".join(parts)


class ConfigurationError(Exception):
    """The deployment is not fit to serve: the app shows the problems and nothing else."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.en for p in problems))
        self.problems = problems


def demo_requested() -> bool:
    """`KEJIAO_DEMO=1` (read when asked): the demo is asked for explicitly, never assumed from a
    missing configuration. The Makefile's `demo` and `dashboard` targets set it."""
    return demo_flag()


NO_AUTH = Problem(
    "配置错误：未配置统一身份认证（.streamlit/secrets.toml 中没有 [auth]），且未以演示模式启动（KEJIAO_DEMO=1）。"
    "在修正之前本系统不向任何人提供数据。",
    "Configuration error: no identity provider is configured ([auth] in .streamlit/secrets.toml) and the demo "
    "was not asked for (KEJIAO_DEMO=1). Nothing is served until this is fixed.",
    "正式部署：按 deploy/README.md 配置 [auth] 并运行 `kejiao doctor`；本机演示：`make demo`（设置 KEJIAO_DEMO=1）。",
    "Production: configure [auth] as deploy/README.md says and run `kejiao doctor`; a local demo: `make demo` "
    "(sets KEJIAO_DEMO=1).",
)


def secrets_unreadable(detail: str) -> Problem:
    return Problem(
        f"配置错误：secrets 文件无法读取（{detail}）。无法读取的配置不等于“未配置身份认证”，本系统拒绝提供服务。",
        f"Configuration error: the secrets file cannot be read ({detail}). An unreadable configuration is not "
        "\"no sign-in\": nothing is served.",
        "检查 .streamlit/secrets.toml 的 TOML 语法、属主（服务账号可读）与权限（0600/0640），然后运行 `kejiao doctor`。",
        "Check .streamlit/secrets.toml: TOML syntax, owner (readable by the service account) and mode "
        "(0600/0640); then run `kejiao doctor`.",
    )


NOT_DEMO_DATA = Problem(
    "配置错误：已设置 KEJIAO_DEMO=1，但数据目录中的角色分配表含有真实身份，不是演示数据。演示模式不能用于正式数据。",
    "Configuration error: KEJIAO_DEMO=1 is set but the data folder's role table holds real identities: it is "
    "not demo data, and the demo never serves real data.",
    "正式部署请删除 KEJIAO_DEMO 并配置 [auth]；演示请另用一个数据目录（KEJIAO_DATA_DIR）。",
    "In production remove KEJIAO_DEMO and configure [auth]; for a demo use a data folder of its own "
    "(KEJIAO_DATA_DIR).",
)


# ---------------------------------------------------------------- secrets

MIN_SECRET_BITS = 256  # 32 random bytes
PLACEHOLDERS = ("change-me", "changeme", "change_me", "replace-me", "your-", "example", "secret-here", "todo",
                "xxxx", "password")
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
MAKE_SECRET = 'python3 -c "import secrets; print(secrets.token_hex(32))"'


def secret_bits(value: str) -> float:
    """A generous estimate of the randomness of a secret: its length times the bits of the
    smallest alphabet its characters come from (hex, base64, printable ASCII, else Unicode)."""
    import math
    import string

    if not value:
        return 0.0
    distinct = len(set(value))
    if set(value.lower()) <= set(string.hexdigits.lower()):
        alphabet = 16
    elif set(value) <= set(string.ascii_letters + string.digits + "-_+/="):
        alphabet = 64
    elif all(32 < ord(c) < 127 for c in value):
        alphabet = 94
    else:
        alphabet = 1 << 16
    # a patterned value (few distinct characters) is worth what its distinct characters are worth
    per_char = min(math.log2(alphabet), math.log2(max(distinct, 2)) * 1.5)
    return len(value) * per_char


def _placeholder(value: str) -> bool:
    folded = value.strip().lower()
    return any(p in folded for p in PLACEHOLDERS)


def secret_problems(name: str, value: object, *, random: bool) -> list[Problem]:
    """Problems of one secret: a placeholder or example value always; for a secret this system
    makes itself (`random`), also fewer than 32 random bytes."""
    text = "" if value is None else str(value)
    where = f"[auth] {name}"
    fix_zh = f"用 `{MAKE_SECRET}` 生成新值，写入 .streamlit/secrets.toml 的 {where}，然后重启服务"
    fix_en = f"make a new one with `{MAKE_SECRET}`, put it in {where} of .streamlit/secrets.toml, restart"
    if not random:
        fix_zh = f"填写身份认证服务（IdP）为本应用签发的 {name}"
        fix_en = f"enter the {name} the identity provider issued for this app"
    if _placeholder(text):
        return [Problem(f"配置错误：{where} 仍是示例或占位值（如 CHANGE-ME），任何知道示例文件的人都能伪造登录。",
                        f"Configuration error: {where} is still an example or placeholder value (such as "
                        "CHANGE-ME): anyone who has read the example file can forge a sign-in.", fix_zh, fix_en)]
    if random and secret_bits(text) < MIN_SECRET_BITS:
        return [Problem(f"配置错误：{where} 太短或太有规律（须至少相当于32字节随机数，如64位十六进制），可被猜出后伪造登录。",
                        f"Configuration error: {where} is too short or too patterned (it needs at least 32 random "
                        "bytes, e.g. 64 hex digits): it can be guessed and a sign-in forged.", fix_zh, fix_en)]
    return []


def auth_problems(section: dict) -> list[Problem]:
    """Problems of an `[auth]` section's secrets (the cookie secret and every provider's client
    secret); completeness is `providers()`' business."""
    problems = secret_problems("cookie_secret", section.get("cookie_secret"), random=True)
    if section.get("client_secret") is not None:
        problems += secret_problems("client_secret", section.get("client_secret"), random=False)
    for name, value in section.items():
        if isinstance(value, dict) and value.get("client_secret") is not None:
            problems += secret_problems(f"{name}.client_secret", value["client_secret"], random=False)
    return problems
