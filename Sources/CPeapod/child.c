/*
 * child.c: plumbing shared by every process the shim starts: a fork-like clone that can place
 * the child in its cgroup at birth, the (step, errno, path) error record, and the few string
 * helpers a child may use.
 *
 * Why a raw clone and not fork(): fork() runs pthread_atfork handlers registered by the Swift
 * runtime and Foundation in the child, and cannot create namespaces or use CLONE_PARENT or
 * CLONE_INTO_CGROUP. A raw clone with no new stack behaves like fork() (the child continues on a
 * copy of the caller's stack) and runs no user-space code we did not write. The price: glibc in
 * the child still believes the caller's other threads exist, so the child must stick to plain
 * system calls (see the raw setres*id calls in exec.c).
 */
#include "internal.h"

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* struct clone_args from <linux/sched.h> (v2 layout), declared here to avoid clashing with the
 * CLONE_* macros of <sched.h>. */
struct pp_clone_args {
    uint64_t flags;
    uint64_t pidfd;
    uint64_t child_tid;
    uint64_t parent_tid;
    uint64_t exit_signal;
    uint64_t stack;
    uint64_t stack_size;
    uint64_t tls;
    uint64_t set_tid;
    uint64_t set_tid_size;
    uint64_t cgroup;
};

pid_t pp_clone_signal(unsigned long flags, int cgroup_fd, int exit_signal)
{
    struct pp_clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = flags;
    args.exit_signal = (uint64_t)exit_signal;
    if (cgroup_fd >= 0) {
        /* Born in its cgroup (cgroup v2 only), so no instruction of the container ever runs
         * outside its limits, as crun does. */
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)cgroup_fd;
    }
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0 || errno != ENOSYS || cgroup_fd >= 0)
        return (pid_t)pid;
    /* Kernels before 5.3: the classic clone(2). All pointer arguments are zero, so the
     * architecture-specific argument order does not matter. */
    return (pid_t)syscall(SYS_clone, flags | (unsigned long)exit_signal, 0, 0, 0, 0);
}

pid_t pp_clone(unsigned long flags, int cgroup_fd)
{
    /* clone3 refuses an exit signal with CLONE_PARENT: the child then inherits ours, which is
     * SIGCHLD because every process the shim makes is cloned with it. */
    return pp_clone_signal(flags, cgroup_fd, (flags & CLONE_PARENT) ? 0 : SIGCHLD);
}

void pp_close_all_except(int keep)
{
    /* Best effort: kernels before 5.9 lack close_range. */
    if (keep > 0)
        (void)close_range(0, (unsigned)keep - 1, 0);
    (void)close_range((unsigned)keep + 1, ~0U, 0);
}

pid_t pp_clone_vfork(int (*fn)(void *), void *arg, void *stack, size_t stack_size, unsigned long flags)
{
    /* The stack grows down on every architecture Linux containers run on. With CLONE_PARENT
     * the exit signal is the caller's own, so none is given. */
    int exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
    return clone(fn, (char *)stack + stack_size, CLONE_VM | CLONE_VFORK | flags | exit_signal, arg);
}

int pp_fail(struct pp_ctx *c, int step, int index, const char *path)
{
    int saved = errno;
    /* Keep the first failure: a cleanup failing afterwards must not hide the cause. */
    if (c->err.step == PP_STEP_NONE) {
        c->err.step = step;
        c->err.err = saved;
        c->err.index = index;
        c->err.path[0] = '\0';
        if (path != NULL) {
            size_t n = strlen(path);
            if (n >= sizeof c->err.path)
                n = sizeof c->err.path - 1;
            memcpy(c->err.path, path, n);
            c->err.path[n] = '\0';
        }
    }
    errno = saved;
    return -1;
}

void pp_die(struct pp_ctx *c)
{
    /* One write of a fixed-size record: pipes make writes up to PIPE_BUF atomic, so the parent
     * reads either all of it or nothing. */
    ssize_t n;
    do {
        n = write(c->errfd, &c->err, sizeof c->err);
    } while (n < 0 && errno == EINTR);
    _exit(127);
}

const char *pp_fd_path(char *buf, int fd)
{
    /* snprintf is not async-signal-safe; format by hand. */
    static const char prefix[] = "/proc/self/fd/";
    char digits[16];
    int n = 0;
    unsigned v = (unsigned)fd;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && n < (int)sizeof digits);
    memcpy(buf, prefix, sizeof prefix - 1);
    size_t at = sizeof prefix - 1;
    while (n > 0)
        buf[at++] = digits[--n];
    buf[at] = '\0';
    return buf;
}

int pp_proc_path(char *buf, size_t size, pid_t pid, const char *tail)
{
    /* Formatted by hand, as pp_fd_path: no stdio in a child. */
    char digits[16];
    int n = 0;
    unsigned v = (unsigned)pid;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && n < (int)sizeof digits);
    char number[24];
    size_t at = 0;
    while (n > 0)
        number[at++] = digits[--n];
    number[at++] = '/';
    number[at] = '\0';
    char prefix[32];
    if (pp_join(prefix, sizeof prefix, "/proc/", number) < 0)
        return -1;
    return pp_join(buf, size, prefix, tail);
}

int pp_join(char *buf, size_t size, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la + lb + 1 > size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, a, la);
    memcpy(buf + la, b, lb);
    buf[la + lb] = '\0';
    return 0;
}

void pp_intermediate_begin(struct pp_ctx *c, const int errpipe[2], const int pidpipe[2])
{
    memset(c, 0, sizeof *c);
    c->err.index = -1;
    c->errfd = errpipe[1];
    close(errpipe[0]);
    close(pidpipe[0]);
}

pid_t pp_clone_intermediate(int (*fn)(void *), void *arg, void *stack, size_t stack_size)
{
    pid_t pid = pp_clone_vfork(fn, arg, stack, stack_size, 0);
    if (pid < 0) {
        /* Refused (under valgrind): a copy, as fork would make. */
        pid = pp_clone(0, -1);
        if (pid == 0)
            _exit(fn(arg));
    }
    return pid;
}
