"""Run `bridge` commands as forked children of one warm process, so a crash test can kill -9 many runs quickly.

A fresh ``python -m bridge`` spends seconds importing; a child forked from a process that imported everything
once starts at once and is still a process of its own: the crash hook's SIGKILL ends it with nothing cleaned up.

As a script it reads one JSON request per line on stdin, ``{"argv": [...], "env": {...}, "cwd": "..."}``, and
answers each with one JSON line ``{"returncode", "stdout", "stderr"}`` (a negative returncode is the signal
that killed the child, as subprocess reports it). The driver starts no thread and opens no connection, so
forking it is safe. ``ForkRunner`` is the tests' side.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path
from typing import Any


class ForkRunner:
    """A running driver process; ``run(argv, env, cwd)`` returns a CompletedProcess of one forked `bridge` run."""

    def __init__(self, warm_up: Path | None = None) -> None:
        """Start the driver; `warm_up` is an artefact folder it validates once (compiling schemas and patterns)."""
        self.process = subprocess.Popen(
            [sys.executable, __file__, *([str(warm_up)] if warm_up else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )

    def run(self, argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"argv": argv, "env": env, "cwd": str(cwd)}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the fork runner died (exit {self.process.wait()})")
        answer = json.loads(line)
        return subprocess.CompletedProcess(argv, answer["returncode"], answer["stdout"], answer["stderr"])

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _child(request: dict[str, Any]) -> int:
    from bridge.cli import app

    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    try:
        app(args=request["argv"], prog_name="bridge")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _serve(warm_up: list[str]) -> None:
    # Import what a publish needs once, here, before any fork; a first validation fills the lazy caches.
    import bridge.fair
    import bridge.publish
    import bridge.targets.dspace7
    import bridge.targets.sword2  # noqa: F401
    from bridge.cli import app

    for folder in warm_up:
        with (
            open(os.devnull, "w") as sink,
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
            contextlib.suppress(SystemExit),
        ):
            app(args=["validate", folder, "--json"], prog_name="bridge")

    answers = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        assert threading.active_count() == 1, "the driver must not fork with threads running"
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            answers.flush()
            pid = os.fork()
            if pid == 0:  # the child: its output goes to the two files, it ends with os._exit
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                code = 70
                try:
                    code = _child(request)
                except BaseException:
                    traceback.print_exc()
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            out.seek(0)
            err.seek(0)
            text = {"stdout": out.read().decode("utf-8", "replace"), "stderr": err.read().decode("utf-8", "replace")}
        answers.write(json.dumps({"returncode": code, **text}) + "\n")
        answers.flush()


if __name__ == "__main__":
    _serve(sys.argv[1:])
