"""Sub-command dispatch shared by the ``fastio`` and ``zoo`` command lines.

A command table maps a sub-command to ``(module, one-line help)``; the module exposes
``main(argv) -> int`` and owns its parser. Modules are imported only when their command
runs, so ``fastio --help`` and ``zoo --help`` stay instant.

A command listed in ``short_lived``, run from the command line, is run as the short
process it is: it keeps the memory it frees (``fastio.heap.keep_freed_memory``: no fresh,
zeroed pages for every chunk's temporaries; Arrow allocating through the same malloc,
``arrow_uses_malloc``), starts OpenBLAS with one thread (``one_blas_thread``: no idle
worker spinning), runs without the cyclic garbage collector (reference counting still
frees everything else) and ends with :func:`exit_now` once it has
returned (the interpreter's teardown, clearing every module and collecting pandas',
numba's and Arrow's objects, cost 0.2–0.4 CPU-s, paid on every run).

Every command reports failures the same way (:func:`run_main`), so no module carries its
own ``try/except`` block for them: bad input, a file that cannot be read or written and
Ctrl-C each become one line on stderr and the exit status of :data:`EXIT_CODES`. Other
exceptions are bugs and keep their traceback.
"""
from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys
import threading
from typing import Callable, Collection, Mapping

from fastio.heap import arrow_uses_malloc, keep_freed_memory, one_blas_thread

__all__ = ["EXIT_BAD_INPUT", "EXIT_CODES", "EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OS_ERROR",
           "dispatch", "error_line", "exit_now", "run_main"]

EXIT_FAILED = 1        # an unexpected error (a bug): the traceback is printed
EXIT_BAD_INPUT = 2     # bad arguments or input data (argparse uses 2 as well)
EXIT_OS_ERROR = 3      # a file or folder could not be read or written
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)

EXIT_CODES = {
    0: "success",
    EXIT_FAILED: "unexpected error (traceback printed)",
    EXIT_BAD_INPUT: "bad arguments or input data (one line says what was expected)",
    EXIT_OS_ERROR: "a file or folder could not be read or written (one line names the path)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}


def exit_codes_text() -> str:
    """The exit-status table, for ``--help`` epilogues."""
    return "exit status:\n" + "\n".join(f"  {code:<4} {what}" for code, what in EXIT_CODES.items())


def error_line(exc: BaseException) -> str:
    """One line for ``exc``: an ``OSError`` names its path(s); ``KeyError`` loses its quotes."""
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        paths = f"{exc.filename}" + (f" -> {exc.filename2}" if exc.filename2 is not None else "")
        text = f"{paths}: {exc.strerror}"
    elif isinstance(exc, KeyError) and len(exc.args) == 1:
        text = str(exc.args[0])
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())  # one line, whatever the message held


def run_main(prog: str, main: Callable[[list[str]], int], argv: list[str], *,
             resumable: bool = False) -> int:
    """Run ``main(argv)`` under the shared error convention (see :data:`EXIT_CODES`)."""
    try:
        return int(main(argv) or 0)
    except KeyboardInterrupt:
        hint = "; rerun the same command to resume" if resumable else ""
        print(f"{prog}: interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"{prog}: error: {error_line(exc)}", file=sys.stderr)
        return EXIT_OS_ERROR
    except (ValueError, KeyError) as exc:
        print(f"{prog}: error: {error_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _usage(prog: str, commands: Mapping[str, tuple[str, str]]) -> str:
    lines = [f"usage: {prog} COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in commands.items()]
    lines += ["", f"'{prog} COMMAND --help' describes a command's arguments.", "", exit_codes_text()]
    return "\n".join(lines)


def exit_now(code: int) -> None:
    """End the process with ``code`` without the interpreter's teardown, when nothing can
    be lost by it; otherwise return (and the caller exits normally).

    What a normal exit does that matters for the outputs still happens: the atexit
    handlers run (they flush logging, join executor threads, stop child processes) and
    stdout and stderr are flushed. What is skipped is clearing the modules and collecting
    their objects. It is only done when no other non-daemon Python thread is alive (a
    writer still running would be cut off; daemon threads are cut off by a normal exit
    too) and the streams flushed without error. Commands write their files through
    ``with`` blocks and ``fastio.safefs`` (closed, then renamed into place) before they
    return, so no file waits on a finaliser.
    """
    others = [t for t in threading.enumerate()
              if t is not threading.current_thread() and t.is_alive() and not t.daemon]
    if others or threading.current_thread() is not threading.main_thread():
        return
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):       # a closed or broken stream: let Python report it
        return
    os._exit(code)


def dispatch(prog: str, commands: Mapping[str, tuple[str, str]], argv: list[str] | None, *,
             resumable: Collection[str] = (), short_lived: Collection[str] = ()) -> int:
    """Run the sub-command named by ``argv[0]``; ``resumable`` commands say so on Ctrl-C.

    With ``argv`` None (the process's own command line), a ``short_lived`` command keeps
    the memory it frees and ends the process through :func:`exit_now` when it returns."""
    from_command_line = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage(prog, commands))
        return 0 if argv else EXIT_BAD_INPUT
    command, rest = argv[0], argv[1:]
    if command not in commands:
        print(f"{prog}: unknown command {command!r}\n\n{_usage(prog, commands)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    short = from_command_line and command in short_lived
    if short:
        keep_freed_memory()
        arrow_uses_malloc()
        one_blas_thread()        # no idle BLAS worker spinning on the second core
        # The cyclic collector re-walks every object pandas, numba and Arrow created at
        # import, again and again as the run allocates (0.2 CPU-s of a 3 s zoo gwas); a
        # short run's few cycles are freed when it ends.
        gc.disable()
    module = importlib.import_module(commands[command][0])
    # a command's --help ends with exit_codes_text() (fastio._flags.command_parser)
    code = run_main(f"{prog} {command}", module.main, rest, resumable=command in resumable)
    if short:
        exit_now(code)
    return code
