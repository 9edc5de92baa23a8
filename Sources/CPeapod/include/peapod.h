#ifndef PEAPOD_H
#define PEAPOD_H
/* The C side of Peapod: everything that runs between clone() and execve(). */
int pp_placeholder(void);
#endif
