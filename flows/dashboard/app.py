"""The Dash application and `cchc dashboard`'s server.

The layout is a function, evaluated at each page load: a page opened after a nightly build
lists the new periods and units, and a data root without a warehouse gets a message saying to
run `cchc run` instead of an error.
"""

from __future__ import annotations

import logging
import sys

import duckdb
import flask.cli
from dash import Dash

from flows.dashboard import callbacks, layout
from flows.dashboard import queries as q
from flows.paths import DataPaths

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050


def create_app(paths: DataPaths) -> Dash:
    warehouse = q.Warehouse(paths.warehouse)

    def page() -> object:
        try:
            with warehouse.cursor() as cur:
                return layout.page(
                    q.periods(cur), q.units(cur), q.sectors(cur), q.as_of(cur), str(paths.root)
                )
        except q.NoWarehouse:
            return layout.no_warehouse(str(paths.warehouse))
        except (q.MissingTable, duckdb.Error) as exc:
            return layout.no_warehouse(f"{paths.warehouse} ({exc})")

    app = Dash(
        __name__,
        title=layout.TITLE,
        update_title=layout.UPDATING,
        # The page without a warehouse has none of the components the callbacks name.
        suppress_callback_exceptions=True,
        index_string=layout.INDEX_STRING,
        # Its English "Dash is running on …" line would repeat serve()'s Vietnamese one.
        add_log_handler=False,
    )
    app.layout = page
    callbacks.register(app, warehouse)
    return app


def serve(paths: DataPaths, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """Serve the dashboard until interrupted (Flask's threaded server: one analyst, locally)."""
    app = create_app(paths)
    # Werkzeug's request lines and Flask's development-server banner mean nothing to an
    # analyst: serve() prints the address in Vietnamese instead.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    flask.cli.show_server_banner = lambda *args, **kwargs: None
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    where = "" if paths.warehouse.exists() else " (chưa có kho dữ liệu: hãy chạy `cchc run`)"
    print(
        f"Bảng điều khiển: http://{shown}:{port}/ — kho dữ liệu {paths.warehouse}{where}\n"
        "Nhấn Ctrl+C để dừng.",
        flush=True,
    )
    try:
        app.run(host=host, port=port, debug=False)
    except OSError as exc:
        print(f"Không mở được cổng {port}: {exc}. Hãy chọn cổng khác: --port.", file=sys.stderr)
        return 1
    return 0
