/* ipcs: list the SysV IPC objects of the caller's IPC namespace in util-linux's default table
 * layout. Reads /proc/sysvipc/{msg,shm,sem} (always namespaced) rather than the *_STAT ioctls,
 * which keeps the program tiny. See ipc_common.h for why this exists. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipc_common.h"

static void print_owner(unsigned long uid) {
    char name[256];
    const char *found = ipc_user_name(uid, name, sizeof name);
    if (found) printf("%-10.10s ", found);
    else printf("%-10lu ", uid);
}

/* Opens a /proc/sysvipc table and skips its header line. */
static FILE *open_table(const char *path) {
    FILE *f = fopen(path, "re");
    if (!f) {
        fprintf(stderr, "ipcs: cannot read %s: %s (is /proc mounted?)\n", path, strerror(errno));
        return NULL;
    }
    char header[1024];
    if (!fgets(header, sizeof header, f)) { fclose(f); return NULL; }
    return f;
}

static void show_queues(void) {
    printf("\n------ Message Queues --------\n");
    printf("%-10s %-10s %-10s %-10s %-12s %-12s\n", "key", "msqid", "owner", "perms", "used-bytes", "messages");
    FILE *f = open_table("/proc/sysvipc/msg");
    if (f) {
        char line[1024];
        while (fgets(line, sizeof line, f)) {
            int key, id;
            unsigned int perms;
            unsigned long cbytes, qnum, lspid, lrpid, uid;
            if (sscanf(line, "%d %d %o %lu %lu %lu %lu %lu", &key, &id, &perms, &cbytes, &qnum, &lspid, &lrpid, &uid) != 8)
                continue;
            printf("0x%08x %-10d ", (unsigned int)key, id);
            print_owner(uid);
            printf("%-10o %-12lu %-12lu\n", perms & 0777, cbytes, qnum);
        }
        fclose(f);
    }
    printf("\n");
}

static void show_segments(void) {
    printf("\n------ Shared Memory Segments --------\n");
    printf("%-10s %-10s %-10s %-10s %-10s %-10s %-12s\n", "key", "shmid", "owner", "perms", "bytes", "nattch", "status");
    FILE *f = open_table("/proc/sysvipc/shm");
    if (f) {
        char line[1024];
        while (fgets(line, sizeof line, f)) {
            int key, id;
            unsigned int perms;
            unsigned long size, cpid, lpid, nattch, uid;
            if (sscanf(line, "%d %d %o %lu %lu %lu %lu %lu", &key, &id, &perms, &size, &cpid, &lpid, &nattch, &uid) != 8)
                continue;
            printf("0x%08x %-10d ", (unsigned int)key, id);
            print_owner(uid);
            /* SHM_DEST (01000) and SHM_LOCKED (02000) ride in the mode bits. */
            printf("%-10o %-10lu %-10lu %-6s %-6s\n", perms & 0777, size, nattch,
                   (perms & 01000) ? "dest" : " ", (perms & 02000) ? "locked" : " ");
        }
        fclose(f);
    }
    printf("\n");
}

static void show_semaphores(void) {
    printf("\n------ Semaphore Arrays --------\n");
    printf("%-10s %-10s %-10s %-10s %-10s\n", "key", "semid", "owner", "perms", "nsems");
    FILE *f = open_table("/proc/sysvipc/sem");
    if (f) {
        char line[1024];
        while (fgets(line, sizeof line, f)) {
            int key, id;
            unsigned int perms;
            unsigned long nsems, uid;
            if (sscanf(line, "%d %d %o %lu %lu", &key, &id, &perms, &nsems, &uid) != 5) continue;
            printf("0x%08x %-10d ", (unsigned int)key, id);
            print_owner(uid);
            printf("%-10o %-10lu\n", perms & 0777, nsems);
        }
        fclose(f);
    }
    printf("\n");
}

int main(int argc, char **argv) {
    int queues = 0, segments = 0, semaphores = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            fprintf(stderr, "ipcs: unexpected argument '%s'\n", arg);
            return 1;
        }
        if (!strcmp(arg, "--queues")) { queues = 1; continue; }
        if (!strcmp(arg, "--shmems")) { segments = 1; continue; }
        if (!strcmp(arg, "--semaphores")) { semaphores = 1; continue; }
        if (!strcmp(arg, "--all")) { queues = segments = semaphores = 1; continue; }
        if (!strcmp(arg, "--help")) { arg = "-h"; }
        for (const char *c = arg + 1; *c; c++) {
            switch (*c) {
            case 'q': queues = 1; break;
            case 'm': segments = 1; break;
            case 's': semaphores = 1; break;
            case 'a': queues = segments = semaphores = 1; break;
            case 'h':
                puts("Usage:\n ipcs [-q] [-m] [-s] [-a]\n\nShow information on IPC facilities.\n\n"
                     " -q, --queues      message queues\n -m, --shmems      shared memory segments\n"
                     " -s, --semaphores  semaphores\n -a, --all         all (default)");
                return 0;
            default:
                fprintf(stderr, "ipcs: unsupported option -- '%c' (this stand-in lists with -q, -m, -s, -a)\n", *c);
                return 1;
            }
        }
    }
    if (!queues && !segments && !semaphores) queues = segments = semaphores = 1;
    if (queues) show_queues();
    if (segments) show_segments();
    if (semaphores) show_semaphores();
    return 0;
}
