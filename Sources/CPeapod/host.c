/* Linux calls for the supervisor's own process; see pp_host.h. */
#include "pp_host.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

int pp_stop_and_child_signalfd(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    /* A supervisor's "the pod's metadata changed" (peapod label, annotate). */
    sigaddset(&set, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -1;
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int pp_signalfd_read(int fd)
{
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof(info));
    if (n == (ssize_t)sizeof(info))
        return (int)info.ssi_signo;
    if (n < 0 && errno == EAGAIN)
        return 0;
    return -1;
}

int pp_ioprio_idle(void)
{
    /* ioprio_set(IOPRIO_WHO_PROCESS, self, IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT) */
#ifdef SYS_ioprio_set
    return (int)syscall(SYS_ioprio_set, 1, 0, 3 << 13);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int pp_spread_subdirectories(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int flags = 0;
    int rc = ioctl(fd, FS_IOC_GETFLAGS, &flags);
    if (rc == 0 && !(flags & FS_TOPDIR_FL)) {
        flags |= FS_TOPDIR_FL;
        rc = ioctl(fd, FS_IOC_SETFLAGS, &flags);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int pp_set_child_subreaper(void)
{
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

int pp_pipe_cloexec(int fds[2])
{
    return pipe2(fds, O_CLOEXEC);
}

int pp_random_bytes(void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = getrandom((char *)buf + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

int pp_rename_exchange(const char *a, const char *b)
{
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

int pp_malloc_mmap_threshold(int bytes)
{
    /* One heap for every thread: a short-lived helper thread must not leave an arena of its own
     * behind in a supervisor that runs for the pod's whole life. */
    (void)mallopt(M_ARENA_MAX, 1);
    return mallopt(M_MMAP_THRESHOLD, bytes) == 1 ? 0 : -1;
}

int pp_pidfd_open(int pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int pp_memfd_cloexec(const char *name)
{
    return memfd_create(name, MFD_CLOEXEC);
}

/* The lowest address of the main thread's stack mapping, from /proc/self/maps; 0 if not found. */
static uintptr_t pp_stack_low(void)
{
    FILE *maps = fopen("/proc/self/maps", "re");
    if (maps == NULL)
        return 0;
    char line[512];
    uintptr_t low = 0;
    while (fgets(line, sizeof line, maps) != NULL) {
        size_t n = strlen(line);
        if (n > 8 && strcmp(line + n - 8, "[stack]\n") == 0) {
            unsigned long start = 0, end = 0;
            if (sscanf(line, "%lx-%lx", &start, &end) == 2)
                low = (uintptr_t)start;
            break;
        }
    }
    fclose(maps);
    return low;
}

__attribute__((noinline)) void pp_trim_idle(void)
{
    static uintptr_t low;   /* where the stack mapping starts; read once */
    if (low == 0)
        low = pp_stack_low();   /* first: its stdio buffer is freed before the trim */
    malloc_trim(0);
    volatile char marker = 0;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t here = (uintptr_t)&marker & ~(page - 1);
    /* One page of margin below this frame: the frames of madvise() itself live there. */
    if (low != 0 && here > low + page)
        madvise((void *)low, here - page - low, MADV_DONTNEED);
}
