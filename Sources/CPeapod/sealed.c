/*
 * sealed.c: re-executing the running program from a sealed, anonymous copy of itself.
 *
 * A process that enters a container (`peapod exec`) is visible there until its execve. It is
 * made non-dumpable, which keeps every process without CAP_SYS_PTRACE from opening its
 * /proc/PID/exe; a container that holds CAP_SYS_PTRACE could still open it, keep the file and
 * write into peapod's binary once the command ended (runc's CVE-2019-5736). For such a
 * container the command first re-executes itself from a memfd sealed against writing, so that
 * what /proc/PID/exe leads to cannot be changed, as runc does.
 */
#include "pp_host.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

int pp_reexec_sealed(char *const argv[], char *const envp[])
{
    int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0)
        return -1;
    struct stat st;
    int copy = -1;
    if (fstat(self, &st) < 0)
        goto fail;
    copy = memfd_create("peapod", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (copy < 0)
        goto fail;
    for (off_t done = 0; done < st.st_size;) {
        ssize_t n = sendfile(copy, self, NULL, (size_t)(st.st_size - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        done += n;
    }
    if (fcntl(copy, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
        goto fail;
    close(self);
    fexecve(copy, argv, envp);
    self = -1;
fail:
    {
        int e = errno;
        if (self >= 0)
            close(self);
        if (copy >= 0)
            close(copy);
        errno = e;
        return -1;
    }
}
