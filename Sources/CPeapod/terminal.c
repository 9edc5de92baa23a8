/*
 * terminal.c: the host-side calls behind `tty: true`, `peapod attach` and `peapod cp` that
 * Swift's Glibc module cannot make (variadic ioctl and syscall): a pseudo-terminal pair, the
 * window size, and openat2 beneath a directory. They run in the caller's own process, never in
 * a child.
 */
#include "pp_host.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

int pp_openat2_beneath(int dirfd, const char *path, int flags, unsigned mode)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.mode = mode;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd;
    do {
        fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    } while (fd < 0 && errno == EAGAIN);
    return (int)fd;
}

int pp_open_pty(int *master, int *slave)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (m < 0)
        return -1;
    /* TIOCGPTPEER opens the slave from the master itself, with no path lookup in /dev/pts;
     * unlockpt first, as the kernel wants. */
    int s = -1;
    if (unlockpt(m) == 0)
        s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        int e = errno;
        close(m);
        errno = e;
        return -1;
    }
    *master = m;
    *slave = s;
    return 0;
}

int pp_set_window_size(int fd, unsigned short rows, unsigned short cols)
{
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    ws.ws_row = rows;
    ws.ws_col = cols;
    return ioctl(fd, TIOCSWINSZ, &ws);
}

int pp_get_window_size(int fd, unsigned short *rows, unsigned short *cols)
{
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
        return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}
