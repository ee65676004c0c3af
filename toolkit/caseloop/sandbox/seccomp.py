"""The sandbox's seccomp filter: the system calls that open the kernel's larger attack surfaces, refused.

bubblewrap loads it (`bwrap --seccomp FD`) as a classic BPF program before the runner starts.
"""

from __future__ import annotations

import platform
import struct

# System calls the filter refuses (EPERM), by machine: name -> number.
_REFUSED_CALLS = {
    "x86_64": {"unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
               "keyctl": 250, "add_key": 248, "request_key": 249, "bpf": 321, "userfaultfd": 323,
               "perf_event_open": 298, "ptrace": 101, "kexec_load": 246, "kexec_file_load": 320,
               "init_module": 175, "finit_module": 313, "delete_module": 176, "open_by_handle_at": 304,
               "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428,
               "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
               "mount_setattr": 442, "swapon": 167, "swapoff": 168, "reboot": 169, "acct": 163},
    "aarch64": {"unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51,
                "keyctl": 219, "add_key": 217, "request_key": 218, "bpf": 280, "userfaultfd": 282,
                "perf_event_open": 241, "ptrace": 117, "kexec_load": 104, "kexec_file_load": 294,
                "init_module": 105, "finit_module": 273, "delete_module": 106, "open_by_handle_at": 265,
                "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428,
                "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
                "mount_setattr": 442, "swapon": 224, "swapoff": 225, "reboot": 142, "acct": 89},
}
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_CLONE = {"x86_64": 56, "aarch64": 220}
_CLONE3 = 435
_CLONE_NEWUSER = 0x10000000


def seccomp_filter(machine: str | None = None) -> bytes | None:
    """The sandbox's seccomp filter as a classic BPF program (what `bwrap --seccomp` reads); None on a
    machine it has no system call table for.

    Refused with EPERM: every call in _REFUSED_CALLS, `clone` with CLONE_NEWUSER, any system call of
    another ABI (32-bit, x32). `clone3`, whose flags a filter cannot read, answers ENOSYS, so the C
    library falls back to `clone`. Everything else is allowed.
    """
    machine = machine or platform.machine()
    if machine not in _REFUSED_CALLS:
        return None
    load, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, eperm, enosys = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
    refused = sorted(_REFUSED_CALLS[machine].values())
    # instructions as (code, jump if true, jump if false, k); jumps count the instructions skipped
    program = [(load, 0, 0, 4), (jeq, 1, 0, _AUDIT_ARCH[machine]), (ret, 0, 0, eperm), (load, 0, 0, 0)]
    if machine == "x86_64":
        program += [(jge, 0, 1, 0x40000000), (ret, 0, 0, eperm)]
    program += [(jeq, 0, 1, _CLONE3), (ret, 0, 0, enosys)]
    program += [(jeq, 0, 3, _CLONE[machine]), (load, 0, 0, 16), (jset, 0, 1, _CLONE_NEWUSER), (ret, 0, 0, eperm),
                (load, 0, 0, 0)]
    for number in refused:
        program += [(jeq, 0, 1, number), (ret, 0, 0, eperm)]
    program.append((ret, 0, 0, allow))
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in program)
