/*
 * copy.h: what the files of `peapod cp`'s container side share (copy.c: the child and the
 * user's path; copy_frames.c: the frames it sends; copy_out.c: reading a tree out of the
 * container; copy_in.c: writing one into it). Not part of the Swift-visible API.
 */
#ifndef PEAPOD_COPY_H
#define PEAPOD_COPY_H

#include "internal.h"

#include <linux/openat2.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The copy child's state: its error record, the socket, the entry at hand and one frame's data,
 * in the child's stack (nothing is allocated). */
struct pp_copier {
    struct pp_ctx c;
    int sock;
    /* The path of the entry at hand, relative to the copy's root ("" is the root itself). */
    char path[PP_COPY_PATH_MAX];
    size_t path_len;
    /* One frame's data. */
    char data[PP_COPY_CHUNK];
    /* Entries that could not be copied (the child exits 1 when there were any). */
    int skipped;
};

/* The user's source or destination: resolved inside the container's root, as the container
 * would resolve it. */
#define PP_IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
/* A copied tree's entries beneath the destination: never through a symlink. */
#define PP_BENEATH (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

/* copy.c */
/* openat2 with O_CLOEXEC added, retried on EAGAIN. */
long pp_copy_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve);
/* `path` without trailing slashes, split into its directory and last component, in `dir` and
 * `*leaf` (pointing into `dir`'s buffer). "/" and paths ending in "." or ".." have no leaf
 * name of their own: *leaf is then NULL and `dir` the whole path. */
int pp_copy_split(const char *path, char dir[PP_COPY_PATH_MAX], const char **leaf);

/* copy_frames.c */
/* One frame of w->path and `data` to the caller; 0, or -1 when the socket failed. */
int pp_copy_send_frame(struct pp_copier *w, uint32_t type, uint32_t mode, int32_t err, const char *data,
                       size_t data_len);
/* The failure recorded in w->c as an error frame (mode: the step), then exit. */
__attribute__((noreturn)) void pp_copy_die(struct pp_copier *w);
/* An entry that could not be copied: counted, and reported in a frame. */
void pp_copy_skip(struct pp_copier *w, uint32_t mode, int err);

/* copy_out.c: sends the tree at `path` (in the container's root), then returns. */
void pp_copy_out(struct pp_copier *w, int rootfd, const char *path);
/* copy_in.c: writes the caller's stream at `path`; exits when the stream is done. */
void pp_copy_in(struct pp_copier *w, int rootfd, const char *path, const char *source_name);

#endif /* PEAPOD_COPY_H */
