"""A throwaway PostgreSQL server for the deployment tests: Debian's `postgresql` package (installed
by scripts/system-deps.sh), a cluster in a temporary folder, started with `pg_ctl` on a free port of
127.0.0.1 and removed afterwards.

PostgreSQL refuses to run as root: under root (CI) the cluster belongs to the `postgres` system user
that the Debian package creates, and every server program runs through `runuser -u postgres`;
under any other user it runs as that user. The admin's steps of deploy/README.md are then taken
as written: a role `dagster` with a password, a database `dagster` it owns, reached over TCP.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SERVER_USER = "postgres"  # created by Debian's postgresql-common
START_WAIT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bindir() -> Path:
    """The newest installed server's programs (Debian keeps them off PATH, per major version)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    raise RuntimeError("未找到 PostgreSQL 服务器程序（pg_ctl）：请运行 `bash scripts/system-deps.sh`（安装 Debian 的 "
                       "postgresql 软件包）/ PostgreSQL server programs (pg_ctl) not found: run "
                       "`bash scripts/system-deps.sh` (installs Debian's postgresql package)")


@dataclass
class Postgres:
    host: str
    port: int
    db: str
    user: str
    password: str
    folder: Path

    def env(self) -> dict[str, str]:
        """What /etc/kejiao2030/kejiao.env says of Dagster's storage (deploy/kejiao.env.example)."""
        return {"DAGSTER_PG_HOST": self.host, "DAGSTER_PG_PORT": str(self.port), "DAGSTER_PG_DB": self.db,
                "DAGSTER_PG_USER": self.user, "DAGSTER_PG_PASSWORD": self.password}


class Cluster:
    def __init__(self) -> None:
        self.bin = bindir()
        self.as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="kejiao-pg-"))  # not under pytest's 0700 root-owned tmp
        self.data = self.folder / "data"
        self.port = free_port()
        if self.as_root:
            account = pwd.getpwnam(SERVER_USER)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self.started = False

    def run(self, program: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
        command = [str(self.bin / program), *args]
        if self.as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        result = subprocess.run(command, check=False, capture_output=True, text=True, cwd=self.folder, **kwargs)
        if result.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"{program} {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n"
                               f"{result.stderr}\n{tail}")
        return result

    def start(self) -> Postgres:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-E", "UTF8", "--locale=C",
                 "--auth-local=trust", "--auth-host=scram-sha-256")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "server.log"),
                 "-w", "-t", str(START_WAIT_S), "start")
        self.started = True
        # deploy/README.md: `createuser dagster --pwprompt` and `createdb --owner dagster dagster`
        # (the password given here instead of typed at the prompt)
        password = secrets.token_hex(16)
        local = ["-h", str(self.folder), "-p", str(self.port), "-U", "postgres"]
        self.run("createuser", *local, "dagster")
        self.run("psql", *local, "-v", "ON_ERROR_STOP=1", "-q", "-c",
                 f"alter role dagster password '{password}'")
        self.run("createdb", *local, "--owner", "dagster", "dagster")
        return Postgres("127.0.0.1", self.port, "dagster", "dagster", password, self.folder)

    def stop(self) -> None:
        try:
            if self.started:
                self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
