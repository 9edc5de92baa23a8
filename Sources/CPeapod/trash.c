/*
 * trash.c: emptying the store's trash (StoreTrash), where deleted pods' files wait to be
 * removed, and the background process that does it once the deleting process has ended.
 *
 * The purger is a fork of the caller that never calls execve: it only makes system calls on
 * fixed buffers of its own stack (no malloc, no stdio, nothing of Swift), so it is safe to fork
 * from a multi-threaded process and costs the caller a page-table copy instead of starting a
 * program. It has no exit signal, so the caller's waitpid(-1) never sees it; once the caller
 * has ended, the kernel hands it to a reaper with SIGCHLD as usual.
 */
#include "internal.h"
#include "pp_host.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Directory levels removed in one descent; a subtree deeper than this is renamed to the top of
 * the trash and removed in a later round, so no tree can exhaust the stack or the fd table. */
#define PP_PURGE_DEPTH 32
/* Rounds of the whole trash before the purger gives up on entries it cannot remove. */
#define PP_PURGE_ROUNDS 8

struct pp_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

struct pp_purge {
    int trash;          /* the trash directory */
    unsigned moved;     /* subtrees moved up so far (numbers their new names) */
};

static int pp_is_dot(const char *name)
{
    return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* Appends the decimal digits of v to buf (which has room for them). */
static char *pp_put_decimal(char *buf, unsigned long v)
{
    char tmp[24];
    int len = 0;
    do {
        tmp[len++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (len > 0)
        *buf++ = tmp[--len];
    *buf = '\0';
    return buf;
}

/* A name for a subtree moved to the top of the trash: "deep.<pid>.<n>" (buf: 64 bytes). */
static void pp_deep_name(char *buf, unsigned n)
{
    memcpy(buf, "deep.", 5);
    char *end = pp_put_decimal(buf + 5, (unsigned long)getpid());
    *end++ = '.';
    pp_put_decimal(end, n);
}

/* Removes everything inside the directory `dir` (not `dir` itself); 1 when something went. At
 * the top (depth 0) the purgers' lock file stays. */
static int pp_empty_directory(struct pp_purge *p, int dir, int depth)
{
    char buf[2048];
    int removed_any = 0;
    for (;;) {
        int removed = 0, seen = 0;
        if (lseek(dir, 0, SEEK_SET) < 0)
            return removed_any;
        for (;;) {
            long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
            if (n <= 0)
                break;
            for (long off = 0; off < n;) {
                struct pp_dirent64 *d = (struct pp_dirent64 *)(buf + off);
                off += d->d_reclen;
                const char *name = d->d_name;
                if (pp_is_dot(name) || (depth == 0 && strcmp(name, ".lock") == 0))
                    continue;
                seen++;
                /* Most entries are files: try that first (a directory answers EISDIR). */
                if (unlinkat(dir, name, 0) == 0) {
                    removed++;
                    continue;
                }
                if (errno != EISDIR)
                    continue;
                if (depth >= PP_PURGE_DEPTH) {
                    /* A name taken (by an earlier purger's move) is skipped. */
                    for (int tries = 0; tries < 16; tries++) {
                        char moved[64];
                        pp_deep_name(moved, p->moved++);
                        if (renameat2(dir, name, p->trash, moved, RENAME_NOREPLACE) == 0) {
                            removed++;
                            break;
                        }
                        if (errno != EEXIST)
                            break;
                    }
                    continue;
                }
                int sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub >= 0) {
                    pp_empty_directory(p, sub, depth + 1);
                    close(sub);
                }
                if (unlinkat(dir, name, AT_REMOVEDIR) == 0)
                    removed++;
            }
        }
        removed_any |= removed > 0;
        /* Entries the listing may have skipped while the directory changed: look again as long
         * as the last look removed something. */
        if (removed == 0 || removed == seen)
            return removed_any;
    }
}

/* Whether `dir` holds anything but the lock file. */
static int pp_trash_has_entries(int dir)
{
    char buf[1024];
    if (lseek(dir, 0, SEEK_SET) < 0)
        return 0;
    for (;;) {
        long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
        if (n <= 0)
            return 0;
        for (long off = 0; off < n;) {
            struct pp_dirent64 *d = (struct pp_dirent64 *)(buf + off);
            off += d->d_reclen;
            if (!pp_is_dot(d->d_name) && strcmp(d->d_name, ".lock") != 0)
                return 1;
        }
    }
}

int pp_purge(const char *trash)
{
    struct pp_purge p = {-1, 0};
    int dir = open(trash, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return errno == ENOENT ? 0 : -1;
    /* One lock file description for every round, unlocked and locked again: a process forked
     * meanwhile by another thread of the caller (a test's, never the purger's own) shares it,
     * and a description of our own that such a child still held would otherwise keep the next
     * round's lock from us. */
    int lock = openat(dir, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0) {
        int saved = errno;
        close(dir);
        errno = saved;
        return -1;
    }
    for (int round = 0; round < PP_PURGE_ROUNDS; round++) {
        /* One purger at a time. One that finds the lock taken leaves: the holder looks again
         * after it lets go. */
        if (flock(lock, LOCK_EX | LOCK_NB) < 0)
            break;
        unsigned moved = p.moved;
        p.trash = dir;
        int removed = pp_empty_directory(&p, dir, 0);
        (void)flock(lock, LOCK_UN);
        /* An entry moved in while the lock was held found no purger to start (or a deep
         * subtree was moved up): look once more now that the lock is free, as long as the
         * rounds remove something. */
        if (!pp_trash_has_entries(dir) || (!removed && p.moved == moved))
            break;
    }
    close(lock);
    close(dir);
    return 0;
}

__attribute__((noreturn)) static void pp_purger_main(const char *trash, int caller)
{
    /* Nothing of the caller's may stay open here: a pipe it writes to (the terminal's, or one
     * whose reader waits for end-of-file) would otherwise outlive it. */
    (void)setsid();
    pp_close_all_except(caller);
    (void)prctl(PR_SET_NAME, "peapod-purge", 0, 0, 0);
    (void)setpriority(PRIO_PROCESS, 0, 19);
    (void)pp_ioprio_idle();
    if (caller >= 0) {
        /* The caller's disk work comes first: wait until it has ended. */
        struct pollfd pfd = {caller, POLLIN, 0};
        while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
            ;
        close(caller);
    }
    (void)pp_purge(trash);
    _exit(0);
}

int pp_purger_start(const char *trash)
{
    /* The purger waits on a pidfd of the caller made here, so it never waits for another
     * process that got the caller's pid. Without pidfds (before Linux 5.3) it does not wait. */
    int caller = pp_pidfd_open(getpid());
    /* No handler of the caller may run in the child: every signal stays blocked there. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = pp_clone_signal(0, -1, 0);
    if (pid == 0)
        pp_purger_main(trash, caller);
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (caller >= 0)
        close(caller);
    errno = saved;
    return pid < 0 ? -1 : 0;
}
