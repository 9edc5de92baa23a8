/* ipcmk: create a SysV shared memory segment, message queue or semaphore set and print its id,
 * with util-linux's options and output ("Shared memory id: 0"). See ipc_common.h for why. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

static void usage(FILE *out) {
    fputs("Usage:\n"
          " ipcmk [options]\n\n"
          "Create various IPC resources.\n\n"
          "Options:\n"
          " -M, --shmem <size>       create shared memory segment of size <size>\n"
          " -S, --semaphore <number> create semaphore array with <number> elements\n"
          " -Q, --queue              create message queue\n"
          " -p, --mode <mode>        permission for the resource (default is 0644)\n",
          out);
}

/* Sizes as util-linux accepts them: a number with an optional K, M, G, T suffix (KiB, KB...:
 * powers of 1024 for K/KiB, of 1000 for KB). */
static int parse_size(const char *text, unsigned long long *out) {
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || end == text) return -1;
    if (*end == '\0') { *out = value; return 0; }
    const char *units = "KMGTPE";
    const char *unit = strchr(units, (*end >= 'a' && *end <= 'z') ? *end - 32 : *end);
    if (!unit || *unit == '\0') return -1;
    end++;
    unsigned long long base = 1024;
    if (strcmp(end, "B") == 0) base = 1000;
    else if (*end != '\0' && strcmp(end, "iB") != 0) return -1;
    for (const char *u = units; u <= unit; u++) {
        if (value > ~0ULL / base) return -1;
        value *= base;
    }
    *out = value;
    return 0;
}

int main(int argc, char **argv) {
    unsigned long long shm_size = 0;
    long sem_count = 0;
    int want_shm = 0, want_sem = 0, want_queue = 0;
    int mode = 0644;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        if (!strcmp(arg, "-M") || !strcmp(arg, "--shmem") || !strcmp(arg, "-S") ||
            !strcmp(arg, "--semaphore") || !strcmp(arg, "-p") || !strcmp(arg, "--mode")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "ipcmk: option '%s' requires an argument\n", arg);
                usage(stderr);
                return 1;
            }
            value = argv[++i];
        }
        if (!strcmp(arg, "-M") || !strcmp(arg, "--shmem")) {
            if (parse_size(value, &shm_size) != 0 || shm_size == 0) {
                fprintf(stderr, "ipcmk: failed to parse size: '%s'\n", value);
                return 1;
            }
            want_shm = 1;
        } else if (!strcmp(arg, "-S") || !strcmp(arg, "--semaphore")) {
            char *end = NULL;
            sem_count = strtol(value, &end, 10);
            if (*end != '\0' || sem_count <= 0) {
                fprintf(stderr, "ipcmk: failed to parse elements: '%s'\n", value);
                return 1;
            }
            want_sem = 1;
        } else if (!strcmp(arg, "-Q") || !strcmp(arg, "--queue")) {
            want_queue = 1;
        } else if (!strcmp(arg, "-p") || !strcmp(arg, "--mode")) {
            char *end = NULL;
            long parsed = strtol(value, &end, 8);
            if (*end != '\0' || parsed < 0 || parsed > 0777) {
                fprintf(stderr, "ipcmk: failed to parse mode: '%s'\n", value);
                return 1;
            }
            mode = (int)parsed;
        } else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "ipcmk: invalid option -- '%s'\n", arg);
            usage(stderr);
            return 1;
        }
    }
    if (!want_shm && !want_sem && !want_queue) {
        fputs("ipcmk: bad usage\n", stderr);
        usage(stderr);
        return 1;
    }

    int status = 0;
    if (want_shm) {
        int id = shmget(IPC_PRIVATE, (size_t)shm_size, mode | IPC_CREAT);
        if (id < 0) { fprintf(stderr, "ipcmk: create share memory failed: %s\n", strerror(errno)); status = 1; }
        else printf("Shared memory id: %d\n", id);
    }
    if (want_queue) {
        int id = msgget(IPC_PRIVATE, mode | IPC_CREAT);
        if (id < 0) { fprintf(stderr, "ipcmk: create message queue failed: %s\n", strerror(errno)); status = 1; }
        else printf("Message queue id: %d\n", id);
    }
    if (want_sem) {
        int id = semget(IPC_PRIVATE, (int)sem_count, mode | IPC_CREAT);
        if (id < 0) { fprintf(stderr, "ipcmk: create semaphore failed: %s\n", strerror(errno)); status = 1; }
        else printf("Semaphore id: %d\n", id);
    }
    return status;
}
