"""What a deployment must be before it serves anyone: the rules the dashboard applies on every
request and `kejiao doctor` checks before start, in one place.

Each rule answers with `Problem`s: what is wrong, and how to fix it (Chinese first, English
after). The dashboard shows them as a configuration error and nothing else; the doctor prints
them with their fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEMO_ENV = "KEJIAO_DEMO"


@dataclass(frozen=True)
class Problem:
    zh: str
    en: str
    fix_zh: str = ""
    fix_en: str = ""

    def text(self) -> str:
        fix = f"\n修正方法：{self.fix_zh}\nHow to fix: {self.fix_en}" if self.fix_zh else ""
        return f"{self.zh}\n{self.en}{fix}"


class ConfigurationError(Exception):
    """The deployment is not fit to serve: the app shows the problems and nothing else."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.en for p in problems))
        self.problems = problems


def demo_requested() -> bool:
    """`KEJIAO_DEMO=1` (read when asked): the demo is asked for explicitly, never assumed from a
    missing configuration. The Makefile's `demo` and `dashboard` targets set it."""
    return os.environ.get(DEMO_ENV, "").strip() == "1"


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
