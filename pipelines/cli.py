"""`kejiao`: the command line of Kejiao 2030."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Self

import typer

from pipelines.settings import DEMO_DIR, Settings, dagster_home, get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="科教2030 数据管道 / Kejiao 2030 data pipeline")

InboxOpt = Annotated[Path | None, typer.Option("--inbox", help="收件箱目录 / inbox folder (default: DATA_DIR/inbox)")]
WarehouseOpt = Annotated[Path | None, typer.Option("--warehouse", help="DuckDB 仓库文件 / warehouse file")]


def _settings(warehouse: Path | None) -> Settings:
    settings = get_settings()
    if warehouse is not None and warehouse.resolve().parent != settings.data_dir:
        # a warehouse elsewhere keeps its archive and snapshots beside it
        return Settings(warehouse.resolve().parent)
    return settings


def _instance():
    """Dagster's persistent instance when DAGSTER_HOME is set up, else an ephemeral one."""
    from dagster import DagsterInstance

    home = dagster_home()
    if home and (home / "dagster.yaml").exists():
        return DagsterInstance.get()
    return DagsterInstance.ephemeral()


# what each step of the graph does, for a person watching a run (an unknown step shows its key)
STEP_LABELS = {
    "reference_data": "参考数据 reference data",
    "submissions": "收件 intake: 读取、检查、入库 read, judge, store",
    "staging_in_force": "现行数据 rows in force",
    "marts": "数据集市 marts",
    "indicators__indicator_values": "指标 indicators",
    "indicators__district_progress": "各区进展 district progress",
    "indicators__shs_forecast": "科学高中预测 science high school forecast",
    "obligations": "应报清单 obligations",
    "overdue_reports": "逾期未报 overdue reports",
    "overdue_reports_no_overdue_reports": "检查：有无逾期未报 check: no overdue reports",
    "error_workbooks": "错误清单 error lists",
    "published_snapshot": "发布快照 published snapshot",
}
INTAKE_STAGES = {"read": "已读取 files read", "judge": "已判定 files judged"}


class RunProgress:
    """What a person running `kejiao materialize` sees while it runs: on a terminal, a rich display
    of the steps (step i of n, its name; failures kept on screen) and, during intake, the files
    read and judged out of the new ones; elsewhere (a CI log, a pipe) a plain line at most every
    `every_s` seconds. Fed by `event` (Dagster's event log entries of the run, run_all's
    `on_event`) and `intake` (pipelines/intake/progress.py), from any thread."""

    def __init__(self, enabled: bool = True, interactive: bool | None = None, every_s: float = 5.0,
                 console=None) -> None:
        import threading

        from rich.console import Console

        self.console = console or Console(stderr=True)
        if interactive is None:
            interactive = sys.stdout.isatty() and self.console.is_terminal
        self.enabled, self.interactive, self.every_s = enabled, interactive, every_s
        self.steps: int | None = None
        self.started: list[str] = []
        self.finished: dict[str, str] = {}  # step key -> "done" | "failed" | "skipped"
        self.files: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()
        self._bar = None
        self._tasks: dict[str, int] = {}
        self._t0 = time.monotonic()
        self._last_line = float("-inf")

    def __enter__(self) -> Self:
        if self.enabled and self.interactive:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=self.console, transient=True)
            self._bar.start()
            self._tasks["steps"] = self._bar.add_task("启动 starting: 载入资产图 loading the asset graph", total=None)
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()
        if self.enabled and self.steps:
            failed = sum(1 for v in self.finished.values() if v == "failed")
            self.console.print(f"步骤 steps {len(self.finished)}/{self.steps} 已完成 finished"
                               + (f"，{failed} 失败 failed" if failed else ""), highlight=False)

    @staticmethod
    def label(step_key: str) -> str:
        return STEP_LABELS.get(step_key, step_key)

    def event(self, entry, steps: int) -> None:
        from dagster import DagsterEventType

        event = entry.dagster_event
        if not self.enabled or event is None or event.step_key is None:
            return
        outcome = {DagsterEventType.STEP_SUCCESS: "done", DagsterEventType.STEP_FAILURE: "failed",
                   DagsterEventType.STEP_SKIPPED: "skipped"}.get(event.event_type)
        with self._lock:
            self.steps = steps
            if event.event_type == DagsterEventType.STEP_START and event.step_key not in self.started:
                self.started.append(event.step_key)
            elif outcome is not None:
                self.finished[event.step_key] = outcome
            else:
                return
            if outcome == "failed":
                self.console.print(f"✗ 失败 failed: {self.label(event.step_key)}", highlight=False, markup=False)
            self._show(draw=True, line=outcome == "failed")

    def intake(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or not total:
            return
        with self._lock:
            self.files[stage] = (done, total)
            self._show(draw=done in (0, total), line=False)

    def _running(self) -> str | None:
        running = [k for k in self.started if k not in self.finished]
        return running[-1] if running else (self.started[-1] if self.started else None)

    def _current(self) -> str:
        step = self._running()
        if step is None:
            return "启动 starting"
        return f"步骤 step {self.started.index(step) + 1}/{self.steps} {self.label(step)}"

    def _show(self, draw: bool, line: bool) -> None:
        """Update the display; `draw`: on a terminal, now rather than at rich's next tick (a short
        step shows too); `line`: without one, a line now even if the last was less than `every_s` ago."""
        if self._bar is not None:
            self._bar.update(self._tasks["steps"], description=self._current(), total=self.steps,
                             completed=len(self.finished))
            for stage, (done, total) in self.files.items():
                if stage not in self._tasks:
                    self._tasks[stage] = self._bar.add_task(f"  {INTAKE_STAGES.get(stage, stage)}", total=total)
                self._bar.update(self._tasks[stage], completed=done, total=total)
            now = time.monotonic()
            if draw or now - self._last_line >= 0.1:
                self._last_line = now
                self._bar.refresh()
            return
        now = time.monotonic()
        if not line and now - self._last_line < self.every_s:
            return
        self._last_line = now
        files = " · ".join(f"{INTAKE_STAGES.get(stage, stage)} {done}/{total}"
                           for stage, (done, total) in self.files.items()) if self._running() == "submissions" else ""
        self.console.print(f"[{now - self._t0:.0f} s] {self._current()}" + (f" · {files}" if files else ""),
                           highlight=False, markup=False)


class Working:
    """For a command that may take more than a few seconds: on a terminal, once it has run
    `after_s` seconds, a spinner (rich status, gone when done) saying what is being done, as the
    command tells it through `say`; elsewhere nothing (a log keeps only the command's own lines)."""

    def __init__(self, what: str, after_s: float = 2.0, interactive: bool | None = None, console=None) -> None:
        import threading

        from rich.console import Console

        self.console = console or Console(stderr=True)
        self.interactive = (sys.stdout.isatty() and self.console.is_terminal) if interactive is None else interactive
        self.message, self.after_s = what, after_s
        self._lock = threading.Lock()
        self._status = None
        self._timer = threading.Timer(after_s, self._start)
        self._timer.daemon = True
        self._done = False

    def _start(self) -> None:
        with self._lock:
            if not self._done:
                self._status = self.console.status(self.message, spinner="dots")
                self._status.start()

    def say(self, message: str) -> None:
        with self._lock:
            self.message = message
            if self._status is not None:
                self._status.update(message)

    def __enter__(self) -> Self:
        if self.interactive:
            self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        with self._lock:
            self._done = True
            if self._status is not None:
                self._status.stop()


# the job `dagster.materialize` runs, under the same name (how the Dagster UI shows a CLI run)
RUN_JOB = "__ephemeral_asset_job__"


def run_all(settings: Settings, inbox: Path, warehouse_file: Path, instance=None, raise_on_error: bool = False,
            log_level: str = "DEBUG", on_event=None):
    """Materialize the whole asset graph once, in process (what `dagster.materialize` does, with
    the run's id chosen first so that `on_event` can follow it). `log_level`: what of Dagster's
    event log reaches the console (the run's storage keeps all of it). `on_event(entry, steps)`: each
    EventLogEntry of the run as it is stored, with the number of steps of the run."""
    import uuid

    from dagster import DagsterInstance, Definitions, define_asset_job

    from pipelines.definitions import ALL_ASSETS, ALL_CHECKS
    from pipelines.resources import default_resources

    defs = Definitions(jobs=[define_asset_job(RUN_JOB)], assets=[*ALL_ASSETS, *ALL_CHECKS],
                       resources=default_resources(settings.data_dir, inbox, warehouse_file))
    job = defs.resolve_job_def(RUN_JOB)
    instance = instance or DagsterInstance.ephemeral()
    run_id = str(uuid.uuid4())
    if on_event is not None:
        steps = len(job.graph.nodes)  # one step per node: no dynamic outputs in this graph
        instance.add_event_listener(run_id, lambda entry: on_event(entry, steps))
    return job.execute_in_process(
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        instance=instance,
        raise_on_error=raise_on_error,
        tags={"kejiao/trigger": "cli"},
        run_id=run_id,
    )


@app.command()
def materialize(inbox: InboxOpt = None, warehouse: WarehouseOpt = None,
                verbose: Annotated[bool, typer.Option(
                    "--verbose", help="打印 Dagster 事件日志 / print Dagster's event log")] = False) -> None:
    """运行全部资产一次并打印摘要 / Run the whole asset graph once and print a summary."""
    settings = _settings(warehouse)
    warehouse_file = (warehouse or settings.warehouse_path).resolve()
    if inbox is None:
        inbox = settings.inbox_dir
        if not inbox.exists() or not any(inbox.iterdir()):
            from pipelines.demo.generator import stage

            n = stage(DEMO_DIR, inbox)
            typer.echo(f"收件箱为空，已放入演示报表 {n} 个 / Inbox was empty: staged {n} demo reports into {inbox}")
    started = time.perf_counter()
    # Dagster's event log (~150 DEBUG lines over the demo) only with --verbose; warnings and errors
    # always. Without it: the steps and intake's file counts, drawn on a terminal, a few plain lines
    # otherwise (RunProgress).
    from pipelines.intake.progress import listening

    with RunProgress(enabled=not verbose) as shown, listening(shown.intake):
        result = run_all(settings, inbox.resolve(), warehouse_file, instance=_instance(),
                         log_level="DEBUG" if verbose else "WARNING", on_event=shown.event)
    elapsed = time.perf_counter() - started
    if not result.success:
        for event in result.all_events:
            if event.is_failure:
                typer.echo(f"失败 FAILED: {event.step_key}: {event.message}", err=True)
        raise typer.Exit(2)
    meta = {k: v.value for k, v in result.asset_materializations_for_node("submissions")[0].metadata.items()}
    typer.echo(f"仓库 Warehouse: {warehouse_file}")
    typer.echo(
        f"文件 files seen {meta['files_seen']} · 新提交 new {meta['new_submissions']} · 接收 accepted "
        f"{meta['accepted']} · 退回 rejected {meta['rejected']} · 非报表 not a report {meta['not_a_report']} · "
        f"重复 duplicates {meta['duplicates']} · 未变 unchanged {meta['unchanged']}"
    )
    for item in meta.get("newly rejected", []):
        typer.echo(f"  退回 rejected: {item['file']}: {item['first_error']}")
    for item in meta.get("not_regular", []):
        typer.echo(f"  不是普通文件，未读取 not a regular file, not read: {item}")
    for item in meta.get("vanished", []):
        typer.echo(f"  读取前已消失 gone before it was read: {item}")
    typer.echo(f"用时 elapsed {elapsed:.1f} s")


@app.command()
def check(files: Annotated[list[Path], typer.Argument(help="要检查的文件 / files to check")],
          warehouse: WarehouseOpt = None) -> None:
    """按入库规则检查文件，不保存任何内容 / Validate files exactly as ingest would; store nothing."""
    from pipelines.intake.checking import NoRegistry, check_paths, format_verdict

    settings = _settings(warehouse)
    try:
        verdicts = check_paths(files, (warehouse or settings.warehouse_path).resolve())
    except NoRegistry as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from None
    failed = False
    for path, verdict in verdicts:
        typer.echo(format_verdict(path, verdict))
        failed = failed or verdict.status != "accepted"
    raise typer.Exit(1 if failed else 0)


@app.command("demo-data")
def demo_data(out: Annotated[Path, typer.Option(help="输出目录 / output folder")] = DEMO_DIR,
              schools: int = 1500, years: int = 3, seed: int = 2030) -> None:
    """生成演示报表 / Generate the synthetic demo reports (deterministic)."""
    from pipelines.demo.generator import generate

    counts = generate(out, schools=schools, years=years, seed=seed)["counts"]
    outcomes = " · ".join(f"{k} {v}" for k, v in counts["files_by_outcome"].items())
    typer.echo(f"演示报表 demo reports: {counts['files']} 个文件 files → {out / 'inbox'} ({outcomes}); "
               f"arrivals.csv, expected.json → {out}")


@app.command()
def briefing(out: Annotated[Path, typer.Option("--out", help="输出 PDF 文件 / output PDF file")],
             as_of: Annotated[str | None, typer.Option("--as-of", help="简报日期 YYYY-MM-DD（默认今天）/ as-of date")] = None,
             snapshot: Annotated[Path | None, typer.Option(
                 "--snapshot", help="发布快照 / published snapshot (default: DATA_DIR/published/current.duckdb)")] = None,
             ) -> None:
    """生成《天津市科技教育2030目标进展简报》PDF / Produce the monthly briefing as a PDF."""
    from pipelines.operations.briefing.command import briefing_command

    with Working("生成简报 making the briefing") as working:
        code = briefing_command(out, as_of, snapshot, typer.echo, working.say)
    raise typer.Exit(code)


SnapshotOpt = Annotated[Path | None, typer.Option(
    "--snapshot", help="发布快照 / published snapshot (default: DATA_DIR/published/current.duckdb)")]


@app.command()
def explain(indicator_id: Annotated[str, typer.Argument(help="指标代码 / indicator id, e.g. SHS_NAMED")],
            period: Annotated[int, typer.Argument(help="年度 / calendar year")],
            geo_code: Annotated[str, typer.Argument(help="区划代码（120000 全市）或区名 / geo code or district name")],
            breakdown: Annotated[str, typer.Option("--breakdown", help="分组，如 stage=named / e.g. stage=named")] = "",
            warehouse: WarehouseOpt = None, snapshot: SnapshotOpt = None,
            show_all: Annotated[bool, typer.Option("--all", help="列出全部行 / list every row")] = False) -> None:
    """列出某指标值背后的报送与数据行 / List the submissions and staging rows behind a value."""
    from pipelines.publish.commands import explain_command

    raise typer.Exit(explain_command(indicator_id, period, geo_code, breakdown, _settings(warehouse).published_dir,
                                     snapshot, show_all, typer.echo))


@app.command()
def export(out: Annotated[Path, typer.Option("--out", help="输出目录 / output folder")],
           warehouse: WarehouseOpt = None,
           as_of: Annotated[str | None, typer.Option(
               "--as-of", help="按该日期的数据导出 YYYY-MM-DD / export the snapshot as of a date")] = None,
           snapshot: SnapshotOpt = None) -> None:
    """导出指标 CSV、Excel、Parquet（读取发布快照）/ Export the indicators from the published snapshot."""
    from pipelines.exports.indicators_export import export_command

    with Working("导出 exporting") as working:
        code = export_command(_settings(warehouse).published_dir, out, as_of, snapshot, typer.echo, working.say)
    raise typer.Exit(code)


@app.command()
def progress(warehouse: WarehouseOpt = None, snapshot: SnapshotOpt = None) -> None:
    """打印各目标的最新值、目标与进展状态 / Print each target's latest value, target and status."""
    from pipelines.publish.commands import progress_command

    raise typer.Exit(progress_command(_settings(warehouse).published_dir, snapshot, typer.echo))


@app.command()
def doctor(secrets: Annotated[Path, typer.Option(
               "--secrets", help="Streamlit secrets 文件 / the dashboard's secrets file")] = Path(".streamlit/secrets.toml"),
           address: Annotated[str | None, typer.Option(
               "--address", help="仪表盘监听地址 / the dashboard's bind address (default: STREAMLIT_SERVER_ADDRESS, "
                                 ".streamlit/config.toml)")] = None) -> None:
    """部署前检查：密钥、身份认证、角色表、假名密钥、权限、监听地址、演示开关 / Check a deployment before it serves."""
    from pipelines.operations.doctor import run_checks

    checks = run_checks(secrets, address)
    for check in checks:
        for line in check.lines():
            typer.echo(line)
    failed = [c for c in checks if not c.ok]
    typer.echo(f"{len(checks) - len(failed)}/{len(checks)} 项通过 checks passed"
               + ("" if not failed else f"；{len(failed)} 项须修正后才能提供服务 / fix {len(failed)} before serving"))
    raise typer.Exit(1 if failed else 0)


# ---------------------------------------------------------------- templates out (issue 13 #1)

@app.command()
def templates(report: Annotated[str, typer.Option("--report", help="报表 / report: R1, R2, R3, R4 or R5")],
              year: Annotated[int, typer.Option("--year", help="年度（R3 为届别）/ year (R3: cohort)")],
              out: Annotated[Path, typer.Option("--out", help="输出目录 / output folder")],
              district: Annotated[str | None, typer.Option(
                  "--district", help="只写该区（区划代码）/ only this district (code)")] = None,
              warehouse: WarehouseOpt = None, snapshot: SnapshotOpt = None) -> None:
    """写出各填报单位的填报模板（每校一份，R5 另有各区汇总）/ Write each sender's template to fill."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from pipelines.intake.schema import REPORT_TYPES
    from pipelines.senders.templates import NoRegistry, open_sources, plan, write_all

    report = report.upper()
    if report not in REPORT_TYPES or report == "R0":
        typer.echo(f"没有该报表的模板：{report}（可选 R1–R5）/ no template for {report} (R1–R5)", err=True)
        raise typer.Exit(2)
    settings = _settings(warehouse)
    try:
        sources = open_sources(settings.published_dir, (warehouse or settings.warehouse_path).resolve(), snapshot)
    except NoRegistry as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from None
    if district and district not in sources.districts:
        typer.echo(f"不是天津市的区划代码：{district} / not a Tianjin district code", err=True)
        raise typer.Exit(2)
    total = len(plan(sources, report, year, district))
    if not total:
        typer.echo(f"{year} 年没有须报送 {report} 的单位 / nobody owes {report} for {year}")
        raise typer.Exit(0)
    started = time.perf_counter()
    with Progress(TextColumn("写模板 writing templates"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("templates", total=total)
        written = write_all(sources, report, year, out, district,
                            progress=lambda done, _: bar.update(task, completed=done))
    compiled = sum(1 for w in written if w.compiled)
    typer.echo(f"{out / f'{report}-{year}'}: {len(written) - compiled} 份单位模板 sender templates"
               + (f"，{compiled} 份区汇总 district workbooks" if compiled else "")
               + f" · 用时 elapsed {time.perf_counter() - started:.1f} s")


@app.command()
def remind(dry_run: Annotated[bool, typer.Option(
               "--dry-run", help="只打印将要发送的催报，不发送、不保存 / print the messages, send and store nothing")] = False,
           as_of: Annotated[str | None, typer.Option(
               "--as-of", help="按该日期（天津时间）判断 YYYY-MM-DD（默认今天）/ judge as of this day")] = None,
           weekly: Annotated[bool, typer.Option(
               "--weekly", help="只催逾期未报的 / only what is overdue (the weekly reminder)")] = False,
           warehouse: WarehouseOpt = None) -> None:
    """向各区教育局群机器人发送催报（读取发布快照）/ Send each district bureau its reminder through its group robot."""
    from pipelines.operations.reminders import remind_command

    raise typer.Exit(remind_command(_settings(warehouse), as_of, dry_run, weekly, typer.echo))


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
