"""How a `dhr-graph` process ends once a read-only command is done.

Python's own shutdown (clearing every module, the collector's last passes, freeing each object
one by one) costs a short command about 10 ms of CPU: a tenth of what `dhr-graph query` may
add to the query itself (issue 17). A command that wrote nothing, holds nothing open that
needs closing and started no thread can leave that work to the operating system, once its
output is flushed. Anything unusual (a flush that fails, another thread still running, a
profiler, tracer or coverage tool watching) takes the ordinary way out, so that nothing is
lost: those behave exactly as before.
"""

from __future__ import annotations

import os
import sys


def _exit_status(code: object) -> int | None:
    """The status `sys.exit(code)` would give, when it is a plain number (None: not one we
    handle here; the interpreter prints a message for other values)."""
    if code is None or isinstance(code, bool):
        return int(bool(code))
    if isinstance(code, int) and 0 <= code <= 255:
        return code
    return None


def can_end_now() -> bool:
    """Whether nothing but the main thread runs and no profiler or tracer waits for the end."""
    threading = sys.modules.get("threading")
    others = threading is not None and any(t.is_alive() and not t.daemon and t is not threading.main_thread()
                                           for t in threading.enumerate())
    return not others and sys.getprofile() is None and sys.gettrace() is None


def end_now(code: object) -> None:
    """End the process with `code`'s status at once, output flushed; returns (and the caller
    exits the ordinary way) when that is not safe: see the module's docstring."""
    status = _exit_status(code)
    if status is None or not can_end_now():
        return
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a closed pipe or stream: the ordinary way reports it as before
        return
    os._exit(status)
