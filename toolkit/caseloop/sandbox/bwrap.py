"""The grader's side of the sandbox: bubblewrap around caseloop's runner, one sandbox per notebook.

Why bubblewrap: it is Debian's and Flatpak's maintained sandbox tool (`apt-get install
bubblewrap`), a single small binary with no daemon, built on the kernel's namespaces, and it
starts in milliseconds, so one fresh sandbox per submission costs almost nothing.

A sandbox is:
- its own user: as root, the runner is started through `setpriv` as a uid of its own
  (`SANDBOX_UID_BASE` + a number per grading process) with no capabilities, no groups and
  no_new_privs; as any other user, bubblewrap's user namespace maps the grader to nobody;
- no network (a network namespace with nothing in it), its own process, IPC and host-name namespaces;
- a file system of read-only binds of the operating system (/usr and its links), the Python
  installation and virtual environment grading runs from and caseloop's own package, and two
  private tmpfs folders: /tmp and the working folder /home/trainee, holding only the trainee's
  notebook and the module's data files (read-only binds). The course directory, the gradebook,
  other trainees, the grader's home, /etc and every writable location of the host are absent;
- limited: address space, CPU seconds, processes, size of a written file and of the tmpfs
  folders, size of what one reply may carry, wall time per request (then interrupted, then killed);
- filtered: a seccomp filter (`caseloop.sandbox.seccomp`) refuses the system calls that open the kernel's
  larger attack surfaces to an unprivileged process: new user namespaces (`unshare`, `clone` with
  CLONE_NEWUSER, `setns`), mounts, keyrings, BPF, io_uring, userfaultfd, perf events, ptrace,
  module loading, and every 32-bit or x32 system call;
- gone when it ends: `--die-with-parent` and the PID namespace end every process in it when
  the runner ends, is killed, or the grader dies; nothing of it is on the host's disk.

The runner answers on a pipe; every reply is read as untrusted data with a size and time limit.
"""

from __future__ import annotations

import getpass
import importlib.util
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from caseloop.sandbox import seccomp

INSTALL_HINT = ("install bubblewrap with `apt-get install -y bubblewrap` (Debian, Ubuntu; `.ci/run` does this) "
                "or `dnf install bubblewrap` (Fedora)")
USER_NAMESPACES_HINT = ("Allow them (`sysctl -w user.max_user_namespaces=15000`, on Debian 11 and older also "
                        "`sysctl -w kernel.unprivileged_userns_clone=1`, on Ubuntu 24.04 "
                        "`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` or an AppArmor profile for bwrap), "
                        "or grade as root, where each sandbox gets a uid of its own")
WORKDIR = "/home/trainee"
LIBDIR = "/opt/caseloop/lib"
SANDBOX_UID_BASE = 200_000        # as root: runner uid = this + (grading process id mod 10,000)
STARTUP_SECONDS = 60.0
INTERRUPT_GRACE_SECONDS = 3.0
LAUNCH = (f"import sys; sys.path.insert(0, {LIBDIR!r}); "
          "from caseloop.sandbox.runner import main; main()")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot start a sandbox on this machine."""


@dataclass(frozen=True)
class Limits:
    """What trainee code in one sandbox may use."""

    timeout: float = 60.0      # wall seconds per request (one cell, one export); then interrupted, then killed
    memory_mb: int = 2048      # address space of each process
    cpu_seconds: int = 600     # CPU time of each process
    processes: int = 64        # processes and threads of the sandbox's user
    file_mb: int = 256         # largest file written, and size of each tmpfs folder
    output_mb: int = 32        # outputs and values one reply may carry


@dataclass
class Reply:
    """What one request gave: the cell's outputs, the values asked for, and a fault if it did not finish."""

    outputs: list[dict[str, Any]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)        # name -> JSON data (see caseloop.sandbox.values)
    not_plain: dict[str, str] = field(default_factory=dict)     # name -> why its value cannot leave
    fault: str | None = None    # None, "timeout", "died", "too big", "unreadable"
    detail: str = ""


def _as_root() -> bool:
    return os.geteuid() == 0


@lru_cache(maxsize=1)
def unavailable() -> str | None:
    """Why this machine cannot run a sandbox (with what to do), or None when it can."""
    if not shutil.which("bwrap"):
        return f"bubblewrap (`bwrap`) is not installed: {INSTALL_HINT}"
    if _as_root() and not shutil.which("setpriv"):
        return "`setpriv` (util-linux) is not installed: apt-get install -y util-linux"
    if not _as_root():
        refused = _user_namespaces_refused()
        if refused:
            return (f"as the user {getpass.getuser()} (not root) bubblewrap needs the kernel's unprivileged user "
                    f"namespaces, and this machine refuses them ({refused}). {USER_NAMESPACES_HINT}")
    try:
        with Sandbox({}, limits=Limits(timeout=30)) as box:
            reply = box.run("1 + 1")
    except SandboxUnavailable as err:
        return str(err)
    if reply.fault or not any(o.get("output_type") == "execute_result" for o in reply.outputs):
        return (f"bubblewrap is installed but its sandbox did not run Python ({reply.fault}: {reply.detail}); the "
                "sandbox's user must be able to read the Python installation and its virtual environment")
    return None


def _user_namespaces_refused() -> str:
    """Why bubblewrap cannot make a user namespace for this (unprivileged) user; "" when it can."""
    try:
        done = subprocess.run(["bwrap", "--unshare-user", "--ro-bind", "/", "/", "--", "/bin/true"],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return str(err)
    if done.returncode == 0:
        return ""
    return done.stderr.strip().removeprefix("bwrap: ") or f"exit status {done.returncode}"


def require() -> None:
    """Raise SandboxUnavailable, saying how to install it, unless a sandbox can run here."""
    reason = unavailable()
    if reason:
        raise SandboxUnavailable(f"trainee code runs only inside a sandbox, and {reason}")


def _python_roots() -> list[Path]:
    """The folders the running interpreter needs: its installation and its virtual environment."""
    roots = []
    for prefix in {sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix}:
        path = Path(prefix).resolve()
        if path.is_dir() and path != Path("/") and not any(path == r or r in path.parents for r in roots):
            roots.append(path)
    return sorted(roots)


def _ancestors(path: Path) -> list[Path]:
    return [p for p in reversed(path.parents) if p != Path("/")]


class Sandbox:
    """One bubblewrap sandbox running caseloop's runner; use as a context manager."""

    def __init__(self, files: dict[str, Path], notebook: tuple[str, bytes] | None = None,
                 limits: Limits = Limits(), uid: int | None = None) -> None:
        self.files = files          # path under the working folder -> file or folder to bind read-only
        self.notebook = notebook    # (file name, contents) put into the working folder
        self.limits = limits
        self.uid = uid if uid is not None else SANDBOX_UID_BASE + os.getpid() % 10_000
        self.process: subprocess.Popen | None = None
        self._buffer = bytearray()

    # -- life cycle ---------------------------------------------------------------------------

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def command(self, notebook_fd: int | None, seccomp_fd: int | None = None) -> list[str]:
        """The bwrap command line of this sandbox."""
        import caseloop

        size = str(self.limits.file_mb * 1024 * 1024)
        args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                "--die-with-parent", "--new-session", "--hostname", "sandbox"]
        if _as_root():  # setpriv needs these three to switch to the sandbox's user; it then drops them all
            args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                     "--cap-add", "CAP_SETPCAP"]
        else:
            args += ["--unshare-user", "--disable-userns", "--uid", "65534", "--gid", "65534"]
        args += ["--ro-bind", "/usr", "/usr"]
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            top = Path("/") / name
            if top.is_symlink():
                args += ["--symlink", os.readlink(top), str(top)]
            elif top.is_dir():
                args += ["--ro-bind", str(top), str(top)]
        # the private folders first, so that a virtual environment or a course under /tmp is bound over them
        args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", size, "--tmpfs", "/dev/shm",
                 "--perms", "1777", "--size", size, "--tmpfs", "/tmp",
                 "--perms", "1777", "--size", size, "--tmpfs", WORKDIR]
        made: set[Path] = {Path("/tmp"), Path(WORKDIR)}

        def folder(path: Path) -> None:
            for parent in [*_ancestors(path), path]:
                if parent not in made and not str(parent).startswith(("/usr", "/proc", "/dev")):
                    made.add(parent)
                    args.extend(["--perms", "0755", "--dir", str(parent)])

        for root in _python_roots():
            if not str(root).startswith("/usr/"):
                for parent in _ancestors(root):
                    folder(parent)
                args += ["--ro-bind", str(root), str(root)]
        package = Path(caseloop.__file__).resolve().parent
        folder(Path(LIBDIR))
        args += ["--ro-bind", str(package), f"{LIBDIR}/caseloop"]
        for relative, source in sorted(self.files.items()):
            target = Path(WORKDIR) / relative
            folder(target.parent)
            args += ["--ro-bind", str(source), str(target)]
        if notebook_fd is not None and self.notebook:
            args += ["--perms", "0444", "--file", str(notebook_fd), str(Path(WORKDIR) / self.notebook[0])]
        if seccomp_fd is not None:
            args += ["--seccomp", str(seccomp_fd)]
        args += ["--chdir", WORKDIR, "--"]
        if _as_root():
            args += [shutil.which("setpriv") or "setpriv", f"--reuid={self.uid}", f"--regid={self.uid}",
                     "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]
        limits = {"memory_mb": self.limits.memory_mb, "cpu_seconds": self.limits.cpu_seconds,
                  "processes": self.limits.processes, "file_mb": self.limits.file_mb,
                  "output_bytes": self.limits.output_mb * 1024 * 1024 // 2}  # half: the reply's own JSON fits
        args += [sys.executable, "-I", "-B", "-X", "utf8", "-c", LAUNCH, json.dumps(limits)]
        return args

    @staticmethod
    def environment() -> dict[str, str]:
        """The whole environment inside: nothing of the grader's but what numerical libraries need."""
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": WORKDIR, "USER": "trainee", "LOGNAME": "trainee",
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": "/tmp", "IPYTHONDIR": "/tmp/.ipython",
               "MPLCONFIGDIR": "/tmp/.matplotlib", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "TERM": "dumb"}
        if importlib.util.find_spec("matplotlib_inline"):  # plots become images in the outputs, as in a kernel
            env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "TZ"):
            if name in os.environ:
                env[name] = os.environ[name]
        return env

    def start(self) -> None:
        if not shutil.which("bwrap"):
            raise SandboxUnavailable(f"bubblewrap (`bwrap`) is not installed: {INSTALL_HINT}")
        fd = _memory_file("notebook", self.notebook[1]) if self.notebook else None
        program = seccomp.seccomp_filter()
        filter_fd = _memory_file("seccomp", program) if program else None
        passed = tuple(f for f in (fd, filter_fd) if f is not None)
        try:
            self.process = subprocess.Popen(self.command(fd, filter_fd), stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.environment(),
                                            start_new_session=True, pass_fds=passed)
        finally:
            for descriptor in passed:
                os.close(descriptor)
        self._buffer = bytearray()
        try:
            line = self._read_line(time.monotonic() + max(STARTUP_SECONDS, self.limits.timeout), 1024)
            ready = json.loads(line) == {"ready": True}
        except (_Fault, ValueError) as err:
            ready, why = False, str(err)
        else:
            why = "it answered something else"
        if not ready:
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
            message = self._stderr() or "no message"
            self.kill()
            raise SandboxUnavailable(f"the sandbox did not start ({why}): {message}")

    def kill(self) -> None:
        """End the sandbox and everything in it at once."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream:
                try:
                    stream.close()
                except OSError:
                    pass

    def close(self) -> None:
        """Let the runner end (standard input closed), then make sure nothing of it is left."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    # -- requests -----------------------------------------------------------------------------

    def run(self, source: str) -> Reply:
        """Run one cell; its outputs, or a fault (the sandbox is killed unless an interrupt stopped the cell)."""
        return self._request({"op": "run", "source": source})

    def export(self, names: list[str]) -> Reply:
        """The plain values of NAMES in the trainee's namespace, as data."""
        reply = self._request({"op": "export", "names": sorted(names)})
        raw = reply.values
        reply.values, reply.not_plain = {}, {}
        if isinstance(raw, dict):
            for name, entry in raw.items():
                if name not in names or type(entry) is not dict:
                    continue
                if "data" in entry:
                    reply.values[name] = entry["data"]
                else:
                    reply.not_plain[name] = str(entry.get("not_plain", "not a plain value"))[:200]
        return reply

    def _request(self, message: dict[str, Any]) -> Reply:
        if not self.alive:
            return Reply(fault="died", detail="the sandbox had already ended")
        deadline = time.monotonic() + self.limits.timeout
        try:
            self._send(message, deadline)
            line = self._read_line(deadline, self.limits.output_mb * 1024 * 1024)
        except _Timeout:
            return self._interrupt()
        except _Fault as fault:
            if fault.kind == "died":
                try:
                    self.process.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    pass
            ended = self._ended(str(fault))
            self.kill()
            return Reply(fault=fault.kind, detail=ended)
        return self._parse(line)

    def _interrupt(self) -> Reply:
        """After a timeout: interrupt the cell as Jupyter would; kill the sandbox if that does not stop it."""
        try:
            self._send({"op": "interrupt"}, time.monotonic() + 1)
            line = self._read_line(time.monotonic() + INTERRUPT_GRACE_SECONDS, self.limits.output_mb * 1024 * 1024)
        except _Fault:
            self.kill()
            return Reply(fault="timeout", detail=f"ran past {self.limits.timeout:g} s and ignored the interrupt; "
                                                 "the sandbox was killed")
        reply = self._parse(line)
        reply.fault, reply.detail = "timeout", f"ran past {self.limits.timeout:g} s and was interrupted"
        return reply

    def _parse(self, line: bytes) -> Reply:
        try:
            data = json.loads(line)
        except (ValueError, RecursionError):
            data = None
        if type(data) is not dict:
            self.kill()
            return Reply(fault="unreadable", detail="the sandbox's reply was not readable; the sandbox was killed")
        outputs = data.get("outputs", [])
        values = data.get("values", {})
        return Reply(outputs=outputs if type(outputs) is list else [], values=values if type(values) is dict else {})

    def _send(self, message: dict[str, Any], deadline: float) -> None:
        payload = memoryview(json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n")
        fd = self.process.stdin.fileno()
        os.set_blocking(fd, False)
        while payload:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout("timeout")
            _, writable, _ = select.select([], [fd], [], remaining)
            if not writable:
                continue
            try:
                sent = os.write(fd, payload)
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError):
                raise _Fault("died", "the sandbox ended") from None
            payload = payload[sent:]

    def _read_line(self, deadline: float, limit: int) -> bytes:
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            if len(self._buffer) > limit:
                raise _Fault("too big", f"a reply larger than {limit // (1024 * 1024)} MB")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout("timeout")
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise _Fault("died", "the sandbox ended")
            self._buffer += chunk
        end = self._buffer.index(b"\n")
        if end > limit:
            raise _Fault("too big", f"a reply larger than {limit // (1024 * 1024)} MB")
        line = bytes(self._buffer[:end])
        del self._buffer[:end + 1]
        return line

    def _ended(self, what: str) -> str:
        """What happened to a sandbox that ended, with its exit status."""
        code = self.process.returncode if self.process else None
        if code is None:
            return what
        if code < 0 or code > 128:
            number = -code if code < 0 else code - 128
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            return f"{what} (killed by {name})"
        return f"{what} (exit status {code})"

    def _stderr(self) -> str:
        if not self.process or not self.process.stderr:
            return ""
        try:
            os.set_blocking(self.process.stderr.fileno(), False)
            return (self.process.stderr.read(4096) or b"").decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""


def _memory_file(name: str, data: bytes) -> int:
    """A file descriptor of an in-memory file holding DATA, read from its start."""
    fd = os.memfd_create(name)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


class _Fault(Exception):
    def __init__(self, kind: str, what: str) -> None:
        super().__init__(what)
        self.kind = kind


class _Timeout(_Fault):
    def __init__(self, what: str) -> None:
        super().__init__("timeout", what)
