/* Shared helpers for the SysV IPC stand-ins (ipcmk, ipcs, ipcrm) of the Peapod busybox image.
 *
 * Debian's busybox-static is built without the IPC applets that the upstream busybox image has,
 * so examples written for that image ("ipcmk -M 1024 && ipcs -m") would fail. These programs are
 * small, statically linked (no NSS: user names come from the image's own /etc/passwd) and print
 * what util-linux prints, so scripts that parse the output keep working. */
#ifndef PEAPOD_IPC_COMMON_H
#define PEAPOD_IPC_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Looks `uid` up in /etc/passwd without NSS (a static glibc binary cannot load NSS modules).
 * Returns NULL when there is no entry; the caller prints the number instead. */
static inline const char *ipc_user_name(unsigned long uid, char *buf, size_t len) {
    FILE *f = fopen("/etc/passwd", "re");
    if (!f) return NULL;
    char line[1024];
    const char *found = NULL;
    while (fgets(line, sizeof line, f)) {
        char *name = line;
        char *colon1 = strchr(name, ':');
        if (!colon1) continue;
        char *colon2 = strchr(colon1 + 1, ':');
        if (!colon2) continue;
        char *end = NULL;
        unsigned long value = strtoul(colon2 + 1, &end, 10);
        if (end == colon2 + 1 || *end != ':' || value != uid) continue;
        size_t n = (size_t)(colon1 - name);
        if (n >= len) n = len - 1;
        memcpy(buf, name, n);
        buf[n] = '\0';
        found = buf;
        break;
    }
    fclose(f);
    return found;
}

#endif
