"""`cchc serve`: the nightly deployment, scheduled on a real Prefect server and served here.

Without PREFECT_API_URL Prefect would start a temporary server inside this process; a schedule
registered there never fires (docs/architecture.md), so serving refuses instead of pretending.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.ops.runlock import DEFAULT_WAIT_SECONDS
from flows.ops.task_runners import LandingRunner, TaskRunnerConfigError, choose_landing_runner

DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEPLOYMENT_NAME = "nightly"

HOW_TO_START = """\
Start a Prefect server and point cchc at it, then serve again:

    prefect server start            # in another terminal, or the systemd unit in deploy/
    export PREFECT_API_URL=http://127.0.0.1:4200/api
    cchc serve
"""


class ServeError(Exception):
    """Serving cannot start: no server configured or reachable, or a bad schedule."""


@dataclass(frozen=True)
class ServePlan:
    api_url: str
    cron: str
    timezone: str
    data_dir: str
    name: str = DEPLOYMENT_NAME
    lock_wait: float = DEFAULT_WAIT_SECONDS
    landing: LandingRunner = LandingRunner("threads")


def configured_api_url() -> str | None:
    """PREFECT_API_URL from the environment or the active Prefect profile."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def check_server(api_url: str, timeout: float = 5.0) -> None:
    """The server answers its health check, or ServeError says how to start one."""
    import urllib.error
    import urllib.request

    url = api_url.rstrip("/") + "/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ServeError(
            f"no Prefect server answers at PREFECT_API_URL={api_url} ({exc}).\n{HOW_TO_START}"
        ) from exc


def validate_schedule(cron: str, timezone: str) -> None:
    """The checks the server itself applies to a cron schedule, made before registering."""
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ServeError(f"unknown time zone {timezone!r} (e.g. Asia/Ho_Chi_Minh)") from exc
    try:
        CronSchedule(cron=cron, timezone=timezone)
    except ValidationError as exc:
        raise ServeError(
            f"not a usable cron expression: {cron!r} (e.g. '0 2 * * *' = 02:00 every day)"
        ) from exc


def plan(
    data_dir: str,
    cron: str,
    timezone: str,
    name: str = DEPLOYMENT_NAME,
    lock_wait: float = DEFAULT_WAIT_SECONDS,
    task_runner: str | None = None,
    dask_address: str | None = None,
) -> ServePlan:
    """Everything checked before anything is registered; raises ServeError with the fix.

    `task_runner` and `dask_address` fall back to CCHC_TASK_RUNNER and CCHC_DASK_ADDRESS.
    """
    validate_schedule(cron, timezone)
    try:
        landing = choose_landing_runner(task_runner, dask_address)
    except TaskRunnerConfigError as exc:
        raise ServeError(str(exc)) from exc
    api_url = configured_api_url()
    if not api_url:
        raise ServeError(
            "PREFECT_API_URL is not set, so there is no Prefect server to schedule on "
            "(a temporary one would never fire the schedule).\n" + HOW_TO_START
        )
    check_server(api_url)
    return ServePlan(api_url, cron, timezone, data_dir, name, lock_wait, landing)


def serve(p: ServePlan) -> None:
    """Register the deployment with its schedule and run its flow runs here until stopped."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from flows.ops.nightly import nightly

    print(
        f"Serving deployment 'nightly/{p.name}' on {p.api_url}: cron '{p.cron}' "
        f"({p.timezone}), data root {p.data_dir}, landing on {p.landing.describe()}. "
        "Ctrl+C stops it (and pauses the schedule)."
    )
    # The runner keeps this flow object and runs it as it is, so the task runner chosen here
    # is the one every scheduled run lands with (a Dask cluster is only started by a run).
    flow = nightly.with_options(task_runner=p.landing.build())
    flow.serve(
        name=p.name,
        schedule=Cron(p.cron, timezone=p.timezone),
        parameters={"data_dir": p.data_dir, "lock_wait": p.lock_wait},
        description="cchc: land new exports, build and check the warehouse, publish",
        tags=["cchc"],
        # One run at a time in this process; the run lock also keeps out a manual `cchc run`.
        limit=1,
        # The module path, not a file path: runs import `flows.ops.nightly` from the installed
        # package whatever directory the service was started in.
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
