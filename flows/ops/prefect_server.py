"""The temporary Prefect server of a `cchc run` without PREFECT_API_URL, tied to the run.

Without a configured server Prefect starts a temporary one (a `uvicorn` subprocess) the first
time the run needs the API, and stops it at exit. A run killed with SIGKILL, or one that
aborts, never stops it: the server would live on as an orphan, holding its port and database.
`start_tied_server` starts the same server behind a lifeline (flows/ops/lifeline.py), so the
kernel kills it when the run's process dies, however it dies, and hands it to Prefect.
Prefect stops it at exit as before, after it has sent the run's last logs and events.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any


def start_tied_server() -> str | None:
    """Start the temporary server Prefect would start for this process, tied to it.

    Returns its API URL; None when a server is configured (nothing is started) or a
    temporary one is already registered (a test harness's). Call it from the main thread:
    the kernel's signal goes out when the *thread* that started the server ends.
    """
    from flows.ops.schedule import configured_api_url

    if configured_api_url():
        return None
    from prefect.server.api.server import SubprocessASGIServer

    class TiedServer(SubprocessASGIServer):
        def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
            lifeline = [sys.executable, "-m", "flows.ops.lifeline", str(os.getpid())]
            return subprocess.Popen([*lifeline, *server_command(self.port)], env=server_env())

    # Prefect looks its temporary server up as SubprocessASGIServer() (no port: the key None)
    # wherever it needs the API; instantiating the subclass registers it under that key, and
    # starting it now, from this thread, is what ties it to this thread's life.
    if SubprocessASGIServer._instances.get(None) is not None:
        return None
    server = TiedServer()
    server.start()
    return server.api_url


def server_command(port: int | None) -> list[str]:
    """The command of Prefect's own temporary server (SubprocessASGIServer, Prefect 3)."""
    import prefect

    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(prefect.__module_path__.parent),
        "--factory",
        "prefect.server.api.server:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "error",
        "--lifespan",
        "on",
    ]


def server_env() -> dict[str, str]:
    """Its environment, as Prefect sets it: no UI, the temporary server's services only."""
    from prefect.settings import get_current_settings

    return {
        **os.environ,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
        **get_current_settings().to_environment_variables(exclude_unset=True),
    }
