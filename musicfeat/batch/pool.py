"""Worker processes: one file at a time each, a time limit per file, gone with their parent.

The room of local parallel work in :mod:`musicfeat.batch`, below
:mod:`~musicfeat.batch.workers`. Each worker is a process with a pipe of
its own; the parent hands it one item at a time and waits on every pipe and
every process at once, so that:

- a worker that dies (a crash in native code: ``std::bad_alloc``, a
  segfault) fails exactly the item it held, and is replaced;
- an item that takes longer than ``timeout`` seconds (a decoder that hangs,
  a file swapped for a named pipe) is failed, and its worker killed and
  replaced;
- workers exit when the parent dies, however it dies: each watches a
  "lifeline" pipe whose only writer is the parent, and kills itself when
  the pipe closes (plus ``PR_SET_PDEATHSIG`` on Linux); without workers the
  fork server, whose other clients they are, exits too.

Workers are forked from a fork server that has imported musicfeat once
(spawned where there is none), and ignore Ctrl-C: the parent stops them.
Imports nothing else of the package.
"""

import os
import signal
import threading
import time
from multiprocessing.connection import wait

__all__ = ["worker_context", "start_server", "run_pool", "timeout_outcome", "crash_outcome", "WORKER_CRASHED"]

#: The failure recorded for an item whose worker process died (:func:`crash_outcome` says how).
WORKER_CRASHED = (
    "WorkerCrashed",
    "the worker process died while decoding or analysing this file (a crash in native code)",
)
_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)
#: The longest wait in one call (seconds): the OS refuses waits of more than
#: about 24 days, and a time limit may be any float (1e308).
_MAX_WAIT = 3600.0


def worker_context(preload=()):
    """Processes forked from a fork server that has imported ``preload`` once; spawn where there is none.

    Workers start warm, and are forked from the server's single thread,
    never from this process, which may hold BLAS or LLVM threads.
    """
    import multiprocessing

    try:
        context = multiprocessing.get_context("forkserver")
    except ValueError:  # Windows
        return multiprocessing.get_context("spawn")
    context.set_forkserver_preload(list(preload))
    return context


def start_server(context):
    """Start ``context``'s fork server now rather than at the first worker (nothing without one).

    Its imports (the preload) then run beside the caller's own work instead
    of after it; the workers forked later find it ready.
    """
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _die_with_parent(lifeline):
    """In a worker: end this process as soon as the parent's end of ``lifeline`` closes."""
    try:  # Linux: the kernel kills us when the process that forked us dies
        import ctypes

        ctypes.CDLL(None).prctl(1, _KILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch():
        try:
            lifeline.recv_bytes()
        except (EOFError, OSError):
            pass
        os.kill(os.getpid(), _KILL)

    threading.Thread(target=watch, name="musicfeat-lifeline", daemon=True).start()


def _serve(conn, lifeline, task, args):
    """A worker's life: ``task(item, *args)`` for each item received, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops its workers
    _die_with_parent(lifeline)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        result = task(item, *args)
        try:
            conn.send(result)
        except (BrokenPipeError, OSError):
            return


class _Worker:
    def __init__(self, context, task, args, lifeline):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, lifeline, task, args), daemon=True)
        self.process.start()
        child.close()
        self.item = self.key = self.deadline = None

    def give(self, key, item, timeout):
        self.key, self.item = key, item
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.conn.send(item)

    def take(self):
        """The result waiting on the pipe, or None if the worker died without one."""
        try:
            return self.conn.recv() if self.conn.poll() else None
        except (EOFError, OSError):
            return None

    def stop(self, now=False):
        """End the worker: asked to (it finishes nothing more), or killed ``now``."""
        if not now:
            try:
                self.conn.send(None)
                self.process.join(timeout=5)
            except OSError:
                pass
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def timeout_outcome(timeout, during=""):
    """The outcome :func:`run_pool` records for a file past ``timeout`` seconds (None: no limit).

    ``during`` names the pass in the message (``" in the learning pass"``).
    """
    if timeout is None:
        return None
    return ("error", "Timeout", f"no result after {timeout:g} s{during} (the time limit per file, --timeout)")


def crash_outcome(exitcode, during=""):
    """The outcome :func:`run_pool` records for a file whose worker died, saying how.

    ``exitcode`` is the worker's ``Process.exitcode`` (``-N``: killed by
    signal N; None: not known); ``during`` names the pass in the message
    (``" in the learning pass"``), as in :func:`timeout_outcome`.

    Examples
    --------
    >>> from musicfeat.batch.pool import crash_outcome
    >>> crash_outcome(-9, " in the learning pass")[2]
    'the worker process died in the learning pass while decoding or analysing this file (killed by SIGKILL: a crash in native code, or the system ending it, as the OOM killer does)'
    """
    kind, message = WORKER_CRASHED
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        how = f"killed by {name}: a crash in native code, or the system ending it, as the OOM killer does"
    elif exitcode is not None:
        how = f"exit code {exitcode}: a crash in native code, or code that ended the process"
    else:
        how = "a crash in native code"
    return ("error", kind, f"the worker process died{during} while decoding or analysing this file ({how})")


def run_pool(jobs, keyed_items, task, args, record, *, timeout, context, timed_out, during=""):
    """Run ``task(item, *args)`` for every item in ``jobs`` worker processes.

    Parameters
    ----------
    jobs : int
    keyed_items : list of (key, item)
        ``item`` goes to the worker (picklable); ``key`` stays here.
    task : callable
        A module-level function (workers import it by name) that returns
        the item's result and never raises for the item's own faults.
    args : tuple
        Sent once to each worker.
    record : callable
        ``record(key, result)`` in this process as results arrive; it
        returns False to stop the run.
    timeout : float or None
        Seconds per item before its worker is killed; None or ``inf`` for
        no limit.
    context : multiprocessing context
    timed_out : tuple
        The result recorded for an item that ran out of time.
    during : str, optional
        Names the pass in the result of an item whose worker died
        (:func:`crash_outcome`).
    """
    if timeout is not None and not timeout < float("inf"):
        timeout = None
    lifeline, parent_end = context.Pipe(duplex=False)
    pending = list(reversed(keyed_items))
    workers = []
    try:
        for _ in range(min(jobs, len(pending))):
            workers.append(_Worker(context, task, args, lifeline))
            workers[-1].give(*pending.pop(), timeout)
        while any(w.item is not None for w in workers):
            busy = [w for w in workers if w.item is not None]
            deadlines = [w.deadline for w in busy if w.deadline is not None]
            left = min(_MAX_WAIT, max(0.0, min(deadlines) - time.monotonic())) if deadlines else None
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=left))
            for w in busy:
                if w.conn in ready or w.process.sentinel in ready:
                    result = w.take()
                elif w.deadline is not None and time.monotonic() >= w.deadline:
                    result = timed_out
                else:
                    continue
                key = w.key
                w.item = None
                if result is None or result is timed_out:  # dead, or killed now
                    if result is None:  # how it died: its exit code, once it has exited
                        w.process.join(timeout=1)
                        result = crash_outcome(w.process.exitcode, during)
                    w.stop(now=True)
                    workers.remove(w)
                    if pending:
                        workers.append(w := _Worker(context, task, args, lifeline))
                if not record(key, result):
                    return
                if pending:
                    w.give(*pending.pop(), timeout)
    finally:
        for w in workers:
            w.stop(now=w.item is not None)
        lifeline.close()
        parent_end.close()
