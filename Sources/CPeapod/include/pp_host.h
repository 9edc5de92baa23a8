#ifndef PP_HOST_H
#define PP_HOST_H
/* Small Linux calls the Swift supervisor makes in its own process (never in a child) that the
 * Swift Glibc module does not expose: signalfd, the child-subreaper flag, pipe2, getrandom,
 * renameat2, mallopt, memfd_create; and the trash's purger. */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Blocks SIGCHLD, SIGTERM, SIGINT and SIGHUP and returns a non-blocking, close-on-exec signalfd
 * that reports them; -1 with errno on failure. */
int pp_stop_and_child_signalfd(void);

/* Reads one pending signal from a signalfd: its number, 0 when none is pending, -1 on error. */
int pp_signalfd_read(int fd);

/* Makes this process the reaper of its orphaned descendants (PR_SET_CHILD_SUBREAPER). */
int pp_set_child_subreaper(void);

/* pipe2(fds, O_CLOEXEC). */
int pp_pipe_cloexec(int fds[2]);

/* Fills buf with random bytes from getrandom(2); 0 on success. */
int pp_random_bytes(void *buf, size_t len);

/* renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE): swaps two paths atomically; -1 with
 * errno on failure (ENOENT when b does not exist, EINVAL/ENOSYS where unsupported). */
int pp_rename_exchange(const char *a, const char *b);

/* mallopt(M_MMAP_THRESHOLD, bytes): allocations of at least `bytes` are mmapped and unmapped
 * when freed; and mallopt(M_ARENA_MAX, 1): every thread allocates from the one main heap. */
int pp_malloc_mmap_threshold(int bytes);

/* This process's I/O priority to the idle class (it gets the disk when nobody else wants it);
 * 0, or -1 with errno. */
int pp_ioprio_idle(void);

/* Marks a directory as the top of a hierarchy (FS_TOPDIR_FL, `chattr +T`): ext4's allocator then
 * spreads the directories made in it over the block groups instead of packing them next to it.
 * 0, or -1 with errno (ENOTTY, EOPNOTSUPP: filesystems without the flag). */
int pp_spread_subdirectories(const char *path);

/* pidfd_open(pid, 0): an fd that poll(2) reports readable once the process has exited; -1 with
 * errno where the kernel lacks it (before 5.3). */
int pp_pidfd_open(int pid);

/* memfd_create(name, MFD_CLOEXEC): an anonymous file (probe output); -1 with errno. */
int pp_memfd_cloexec(const char *name);

/* openat2(dirfd, path, flags | O_CLOEXEC, mode) with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS: `path` cannot leave dirfd, by `..` or an absolute path or any symlink
 * (`peapod cp`'s writes beneath its destination); -1 with errno (EXDEV, ELOOP). */
int pp_openat2_beneath(int dirfd, const char *path, int flags, unsigned mode);

/* A pseudo-terminal pair for a `tty: true` container, from the host's /dev/ptmx: the master
 * (non-blocking) and the slave, both close-on-exec; 0, or -1 with errno. */
int pp_open_pty(int *master, int *slave);

/* TIOCSWINSZ / TIOCGWINSZ: a terminal's size in rows and columns; 0, or -1 with errno. */
int pp_set_window_size(int fd, unsigned short rows, unsigned short cols);
int pp_get_window_size(int fd, unsigned short *rows, unsigned short *cols);

/* Work for a thread of the caller's own, overlapping with what the caller does meanwhile
 * (background.c). Both copy their strings and return NULL when no thread could be started;
 * every started one must be waited for. */
struct pp_background;
/* mkdir each path in order with mode 0755 (an existing one is fine). */
struct pp_background *pp_background_mkdir(const char *const *paths, int count);
/* Closes each fd, then detaches `unmount` (NULL: none) as often as it is mounted, then rmdirs
 * each path. The fds belong to the thread once it started; with NULL, still to the caller. */
struct pp_background *pp_background_teardown(const int *fds, int nfds, const char *unmount,
                                             const char *const *rmdirs, int count);
/* Joins the thread and frees it: how many paths failed; -1 for NULL. */
int pp_background_wait(struct pp_background *b);

/* The store's trash (trash.c). pp_purge removes every entry of `trash` but its ".lock" here and
 * now, unless another purger holds the lock (that one looks again once it lets go); 0, or -1
 * with errno when the trash cannot be opened. pp_purger_start forks a purger that leaves the
 * caller's session, closes every fd it inherited, lowers its CPU and I/O priority, waits until
 * the caller has ended and then purges; it has no exit signal. 0, or -1 with errno. */
int pp_purge(const char *trash);
int pp_purger_start(const char *trash);

/* Before a long sleep: gives the heap's free pages back (malloc_trim) and drops the pages of the
 * main thread's stack below the caller's frame, which deeper calls dirtied earlier and nothing
 * uses now (they come back zero-filled if the stack grows again). Main thread only. */
void pp_trim_idle(void);

/* Capabilities by name, through libcap: the number of "CAP_NET_ADMIN" (-1: unknown); the
 * running kernel's last capability (-1 when it cannot be read); the name of capability `cap` in
 * upper-case CAP_ form into buf (0, or -1 when it has none or buf is too small). */
int pp_capability_number(const char *name);
int pp_capability_last(void);
int pp_capability_name(int cap, char *buf, size_t size);
/* Re-executes the running program from a copy in a memfd sealed against writing (sealed.c), with
 * argv and envp; returns only on failure (-1 with errno). */
int pp_reexec_sealed(char *const argv[], char *const envp[]);

/* The calling process's permitted capability set (capget). */
uint64_t pp_capability_permitted(void);

#endif
