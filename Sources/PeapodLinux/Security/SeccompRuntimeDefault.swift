// The RuntimeDefault seccomp profile: what a pod gets when it asks for RuntimeDefault, or says
// nothing (Peapod acts as a kubelet with SeccompDefault on).
//
// Where it comes from: the default profile of moby (profiles/seccomp/default.json, generated
// from profiles/seccomp/default_linux.go), which containerd's contrib/seccomp/seccomp_default.go
// keeps in step with in Go code. It follows moby's profile as of Docker Engine 28.2 (May 2025):
// the Engine 25 profile (AF_VSOCK sockets refused, CAP_BPF and CAP_PERFMON rules,
// name_to_handle_at for everyone), plus the system calls of kernels 5.17 to 6.7 (moby #47341)
// and 6.8 to 6.13 (moby #50077), with the lsm_* calls behind CAP_SYS_ADMIN (moby #50097).
//
// How it is expressed: the same rules, in the same order, as SeccompPolicy values: one allow-list
// for everyone, then the rules that an argument, the machine's architecture, the kernel or a
// capability decides. Defaults: ERRNO(EPERM) for every other call, and moby's archMap (the filter
// covers the native architecture and the 32-bit ones its kernel also runs). Resolution
// (SeccompPolicy.resolved) applies the includes and excludes as moby does, against the
// container's effective capabilities.

#if canImport(Glibc)
import Glibc
#endif

extension SeccompPolicy {
    public static let runtimeDefault = SeccompPolicy(
        defaultAction: .errno(UInt16(EPERM)),
        architectureMap: [
            ArchitectureGroup(.x86_64, [.x86, .x32]),
            ArchitectureGroup(.aarch64, [.arm]),
            ArchitectureGroup(.mips64, [.mips, .mips64n32]),
            ArchitectureGroup(.mips64n32, [.mips, .mips64]),
            ArchitectureGroup(.mipsel64, [.mipsel, .mipsel64n32]),
            ArchitectureGroup(.mipsel64n32, [.mipsel, .mipsel64]),
            ArchitectureGroup(.s390x, [.s390]),
            ArchitectureGroup(.riscv64, []),
        ],
        rules: RuntimeDefaultTable.rules
    )
}

private enum RuntimeDefaultTable {
    /// Harmless for any process: no capability would let it do more, or the kernel checks the
    /// caller's capabilities itself.
    static let everyone: [String] = [
        "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget",
        "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
        "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64",
        "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range", "connect",
        "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
        "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
        "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group",
        "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
        "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl",
        "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
        "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync",
        "ftruncate", "ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait",
        "futex_waitv", "futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64",
        "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
        "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid",
        "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32",
        "getrlimit", "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt",
        "get_thread_area", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr",
        "getxattrat", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
        "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents",
        "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit",
        "io_uring_enter", "io_uring_register", "io_uring_setup", "ipc", "kill",
        "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
        "lchown32", "lgetxattr", "link", "linkat", "listen", "listmount", "listxattr",
        "listxattrat", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat",
        "lstat64", "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret",
        "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap",
        "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
        "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap",
        "mseal", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall",
        "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open", "openat",
        "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc",
        "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64",
        "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6", "pselect6_time64",
        "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat",
        "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
        "remap_file_pages", "removexattr", "removexattrat", "rename", "renameat", "renameat2",
        "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
        "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
        "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr",
        "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
        "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
        "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
        "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
        "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
        "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
        "setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32",
        "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32",
        "setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
        "set_tid_address", "setuid", "setuid32", "setxattr", "setxattrat", "shmat", "shmctl",
        "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask",
        "sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
        "statfs64", "statmount", "statx", "symlink", "symlinkat", "sync", "sync_file_range",
        "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete",
        "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
        "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64",
        "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
        "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "uretprobe", "utime", "utimensat",
        "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write",
        "writev",
    ]

    /// The namespace flags of clone(2): CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER |
    /// NEWPID | NEWNET. Without CAP_SYS_ADMIN a clone must have none of them.
    static let namespaceFlags: UInt64 = 0x0002_0000 | 0x0200_0000 | 0x0400_0000 | 0x0800_0000
        | 0x1000_0000 | 0x2000_0000 | 0x4000_0000

    static func capability(_ name: String) -> Int { SeccompPolicy.capabilityNumbers[name]! }

    static func allow(_ names: [String], _ arguments: [SeccompPolicy.ArgumentCondition] = [],
                      includes: SeccompPolicy.Condition = .init(), excludes: SeccompPolicy.Condition = .init()) -> SeccompPolicy.Rule {
        SeccompPolicy.Rule(names: names, action: .allow, arguments: arguments, includes: includes, excludes: excludes)
    }

    static func allow(_ names: [String], withCapability name: String) -> SeccompPolicy.Rule {
        allow(names, includes: .init(capabilities: [capability(name)]))
    }

    static func allow(_ names: [String], onArchitectures arches: [String]) -> SeccompPolicy.Rule {
        allow(names, includes: .init(architectures: arches))
    }

    static let rules: [SeccompPolicy.Rule] = [
        allow(everyone),
        // Before 4.8 a tracer could change a traced call after seccomp had checked it.
        allow(["process_vm_readv", "process_vm_writev", "ptrace"], includes: .init(minimumKernel: KernelVersion(4, 8))),
        // AF_VSOCK (40) reaches the hypervisor's host, past the container's network.
        allow(["socket"], [.init(0, .notEqual, 40)]),
        // personality: only the query (0xffffffff) and the harmless personas (PER_LINUX,
        // UNAME26, ADDR_NO_RANDOMIZE and both); others change how the kernel treats the process.
        allow(["personality"], [.init(0, .equal, 0x0)]),
        allow(["personality"], [.init(0, .equal, 0x0008)]),
        allow(["personality"], [.init(0, .equal, 0x20000)]),
        allow(["personality"], [.init(0, .equal, 0x20008)]),
        allow(["personality"], [.init(0, .equal, 0xffff_ffff)]),
        // Calls only some architectures have.
        allow(["sync_file_range2", "swapcontext"], onArchitectures: ["ppc64le"]),
        allow(["arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls"],
              onArchitectures: ["arm", "arm64"]),
        allow(["arch_prctl"], onArchitectures: ["amd64", "x32"]),
        allow(["modify_ldt"], onArchitectures: ["amd64", "x32", "x86"]),
        allow(["s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"], onArchitectures: ["s390", "s390x"]),
        allow(["riscv_flush_icache", "riscv_hwprobe"], onArchitectures: ["riscv64"]),
        // Calls a capability unlocks.
        allow(["open_by_handle_at"], withCapability: "CAP_DAC_READ_SEARCH"),
        allow([
            "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
            "lookup_dcookie", "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr", "mount",
            "mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
            "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare",
        ], withCapability: "CAP_SYS_ADMIN"),
        // Without CAP_SYS_ADMIN: clone without namespace flags (s390 passes the flags second).
        allow(["clone"], [.init(0, .maskedEqual, namespaceFlags, 0)],
              excludes: .init(capabilities: [capability("CAP_SYS_ADMIN")], architectures: ["s390", "s390x"])),
        allow(["clone"], [.init(1, .maskedEqual, namespaceFlags, 0)],
              includes: .init(architectures: ["s390", "s390x"]),
              excludes: .init(capabilities: [capability("CAP_SYS_ADMIN")])),
        // clone3 passes its flags in memory, where seccomp cannot look: ENOSYS instead of EPERM
        // makes glibc fall back to clone, whose flags the rule above checks.
        SeccompPolicy.Rule(names: ["clone3"], action: .errno(UInt16(ENOSYS)),
                           excludes: .init(capabilities: [capability("CAP_SYS_ADMIN")])),
        allow(["reboot"], withCapability: "CAP_SYS_BOOT"),
        allow(["chroot"], withCapability: "CAP_SYS_CHROOT"),
        allow(["delete_module", "init_module", "finit_module"], withCapability: "CAP_SYS_MODULE"),
        allow(["acct"], withCapability: "CAP_SYS_PACCT"),
        allow(["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"],
              withCapability: "CAP_SYS_PTRACE"),
        allow(["iopl", "ioperm"], withCapability: "CAP_SYS_RAWIO"),
        allow(["settimeofday", "stime", "clock_settime", "clock_settime64"], withCapability: "CAP_SYS_TIME"),
        allow(["vhangup"], withCapability: "CAP_SYS_TTY_CONFIG"),
        allow(["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"], withCapability: "CAP_SYS_NICE"),
        allow(["syslog"], withCapability: "CAP_SYSLOG"),
        allow(["bpf"], withCapability: "CAP_BPF"),
        allow(["perf_event_open"], withCapability: "CAP_PERFMON"),
    ]
}
