/* ipcrm: remove SysV IPC objects by id or key, with the options busybox and util-linux share
 * (-m/-M shared memory, -q/-Q queue, -s/-S semaphore; lower case takes an id, upper case a key)
 * plus util-linux's -a (remove everything). See ipc_common.h for why this exists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

static int parse_number(const char *text, long *out) {
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 0);
    if (errno || end == text || *end != '\0') return -1;
    *out = value;
    return 0;
}

static int remove_object(char kind, int id) {
    int rc;
    switch (kind) {
    case 'm': rc = shmctl(id, IPC_RMID, NULL); break;
    case 'q': rc = msgctl(id, IPC_RMID, NULL); break;
    default: rc = semctl(id, 0, IPC_RMID); break;
    }
    return rc;
}

static int lookup_key(char kind, key_t key) {
    switch (kind) {
    case 'm': return shmget(key, 0, 0);
    case 'q': return msgget(key, 0);
    default: return semget(key, 0, 0);
    }
}

/* Removes every object listed in /proc/sysvipc/<table>. */
static int remove_all(const char *table, char kind) {
    char path[64];
    snprintf(path, sizeof path, "/proc/sysvipc/%s", table);
    FILE *f = fopen(path, "re");
    if (!f) return 0;
    char line[1024];
    int status = 0;
    if (!fgets(line, sizeof line, f)) { fclose(f); return 0; }
    while (fgets(line, sizeof line, f)) {
        int key, id;
        if (sscanf(line, "%d %d", &key, &id) != 2) continue;
        if (remove_object(kind, id) != 0) {
            fprintf(stderr, "ipcrm: failed to remove id %d: %s\n", id, strerror(errno));
            status = 1;
        }
    }
    fclose(f);
    return status;
}

int main(int argc, char **argv) {
    int status = 0;
    if (argc < 2) {
        fputs("Usage: ipcrm [-a] [-m|-q|-s ID] [-M|-Q|-S KEY]...\n", stderr);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "-a") || !strcmp(arg, "--all")) {
            status |= remove_all("shm", 'm') | remove_all("msg", 'q') | remove_all("sem", 's');
            continue;
        }
        if (arg[0] != '-' || strlen(arg) != 2 || !strchr("mqsMQS", arg[1])) {
            fprintf(stderr, "ipcrm: invalid option '%s'\n", arg);
            return 1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "ipcrm: option '%s' requires an argument\n", arg);
            return 1;
        }
        const char *value = argv[++i];
        long number;
        if (parse_number(value, &number) != 0) {
            fprintf(stderr, "ipcrm: invalid id or key: '%s'\n", value);
            status = 1;
            continue;
        }
        char kind = arg[1];
        int id = (int)number;
        if (kind >= 'A' && kind <= 'Z') {
            kind = (char)(kind + 32);
            if (number == IPC_PRIVATE) {
                fprintf(stderr, "ipcrm: illegal key (%s)\n", value);
                status = 1;
                continue;
            }
            id = lookup_key(kind, (key_t)number);
            if (id < 0) {
                fprintf(stderr, "ipcrm: invalid key (%s)\n", value);
                status = 1;
                continue;
            }
        }
        if (remove_object(kind, id) != 0) {
            fprintf(stderr, "ipcrm: %s (%s)\n", errno == EINVAL ? "invalid id" : strerror(errno), value);
            status = 1;
        }
    }
    return status;
}
