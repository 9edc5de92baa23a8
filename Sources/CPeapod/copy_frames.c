/*
 * copy_frames.c: the frames `peapod cp`'s container side sends to the caller (struct
 * pp_copy_header of peapod.h, then the entry's path, then its data): entries, the entries it
 * had to skip, and the failure that ends the copy. On fixed buffers, with no allocation.
 */
#include "copy.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* One frame: header, path, data, in one sendmsg where the socket takes it. */
int pp_copy_send_frame(struct pp_copier *w, uint32_t type, uint32_t mode, int32_t err, const char *data,
                       size_t data_len)
{
    struct pp_copy_header h;
    memset(&h, 0, sizeof h);
    h.type = type;
    h.mode = mode;
    h.err = err;
    h.path_length = (uint32_t)w->path_len;
    h.data_length = (uint32_t)data_len;
    struct iovec iov[3] = {{&h, sizeof h}, {w->path, w->path_len}, {(void *)data, data_len}};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    msg.msg_iovlen = 3;
    while (msg.msg_iovlen > 0) {
        ssize_t n = sendmsg(w->sock, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        while (msg.msg_iovlen > 0 && (size_t)n >= msg.msg_iov[0].iov_len) {
            n -= (ssize_t)msg.msg_iov[0].iov_len;
            msg.msg_iov++;
            msg.msg_iovlen--;
        }
        if (msg.msg_iovlen > 0) {
            msg.msg_iov[0].iov_base = (char *)msg.msg_iov[0].iov_base + n;
            msg.msg_iov[0].iov_len -= (size_t)n;
        }
    }
    return 0;
}

/* The failure recorded in w->c as an error frame (mode: the step), then exit. */
__attribute__((noreturn)) void pp_copy_die(struct pp_copier *w)
{
    size_t n = strlen(w->c.err.path);
    memcpy(w->path, w->c.err.path, n);
    w->path_len = n;
    (void)pp_copy_send_frame(w, PP_COPY_ERROR, (uint32_t)w->c.err.step, w->c.err.err, NULL, 0);
    _exit(1);
}

void pp_copy_skip(struct pp_copier *w, uint32_t mode, int err)
{
    w->skipped++;
    if (pp_copy_send_frame(w, PP_COPY_SKIPPED, mode, err, NULL, 0) < 0)
        _exit(1);
}
