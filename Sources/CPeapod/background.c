/*
 * background.c: work the Swift process hands to a short-lived thread of its own so that it
 * overlaps with the rest of a pod's set-up or teardown: making or removing a list of
 * directories (a pod's cgroups, where every mkdir and rmdir takes the kernel's cgroup lock; its
 * layer and log directories) and starting a detached process (posix_spawn waits until the child
 * has called execve). The thread only makes system calls and libc calls
 * that are safe in a multi-threaded process; it never touches Swift.
 */
#include "pp_host.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

enum { PP_RMDIR, PP_MKDIR, PP_SPAWN };

struct pp_background {
    pthread_t thread;
    char **strings;   /* paths to remove, or argv of the process to start (NULL-terminated) */
    int count;
    int kind;         /* PP_RMDIR, PP_MKDIR (each in order) or PP_SPAWN (strings[0], argv) */
    int result;       /* rmdir/mkdir: number that failed; spawn: errno or 0 */
};

static void *pp_background_main(void *arg)
{
    struct pp_background *b = arg;
    if (b->kind == PP_SPAWN) {
        posix_spawn_file_actions_t actions;
        posix_spawnattr_t attr;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        posix_spawnattr_init(&attr);
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &all);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        pid_t pid;
        b->result = posix_spawn(&pid, b->strings[0], &actions, &attr, b->strings, environ);
        posix_spawnattr_destroy(&attr);
        posix_spawn_file_actions_destroy(&actions);
    } else if (b->kind == PP_MKDIR) {
        for (int i = 0; i < b->count; i++)
            if (mkdir(b->strings[i], 0755) < 0 && errno != EEXIST)
                b->result++;
    } else {
        for (int i = 0; i < b->count; i++)
            if (rmdir(b->strings[i]) < 0 && errno != ENOENT)
                b->result++;
    }
    return NULL;
}

static struct pp_background *pp_background_start(const char *const *strings, int count, int kind)
{
    struct pp_background *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->strings = calloc((size_t)count + 1, sizeof *b->strings);
    if (b->strings == NULL) {
        free(b);
        return NULL;
    }
    b->count = count;
    b->kind = kind;
    for (int i = 0; i < count; i++) {
        b->strings[i] = strdup(strings[i]);
        if (b->strings[i] == NULL)
            goto fail;
    }
    /* Signals stay with the main thread (the supervisor reads them from a signalfd). */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&b->thread, NULL, pp_background_main, b);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0)
        return b;
fail:
    for (int i = 0; i < count; i++)
        free(b->strings[i]);
    free(b->strings);
    free(b);
    return NULL;
}

struct pp_background *pp_background_rmdir(const char *const *paths, int count)
{
    return pp_background_start(paths, count, PP_RMDIR);
}

struct pp_background *pp_background_mkdir(const char *const *paths, int count)
{
    return pp_background_start(paths, count, PP_MKDIR);
}

struct pp_background *pp_background_spawn(const char *const *argv, int count)
{
    if (count < 1)
        return NULL;
    return pp_background_start(argv, count, PP_SPAWN);
}

int pp_background_wait(struct pp_background *b)
{
    if (b == NULL)
        return -1;
    pthread_join(b->thread, NULL);
    int result = b->result;
    for (int i = 0; i < b->count; i++)
        free(b->strings[i]);
    free(b->strings);
    free(b);
    return result;
}
