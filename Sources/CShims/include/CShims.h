#ifndef SLOD_CSHIMS_H
#define SLOD_CSHIMS_H
// What Glibc does not import for Swift: epoll, eventfd, accept4, errno, CPU affinity, mallopt.
// No logic lives here; Platform wraps every call. No _GNU_SOURCE in this header: it would
// change struct definitions that Swift's Glibc module also imports.
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

extern int accept4(int, struct sockaddr *, socklen_t *, int);

static inline int cshim_errno(void) { return errno; }
static inline void cshim_set_errno(int e) { errno = e; }
/// Hints the CPU to start loading the cache line at `p` (read, keep in all levels). No effect on
/// program semantics; Swift has no prefetch intrinsic.
static inline void cshim_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// Blocks the given signals in the calling thread (pthread_sigmask).
int cshim_sigset_block(const int *signals, int count, sigset_t *out);
/// Sets SIGPIPE to SIG_IGN for the process.
int cshim_ignore_sigpipe(void);
/// Ignores SIGXFSZ, so a write past RLIMIT_FSIZE fails with EFBIG instead of killing the process.
int cshim_ignore_sigxfsz(void);
/// Names the calling thread (pthread_setname_np, truncated to 15 bytes).
void cshim_set_thread_name(const char *name);
/// Anonymous private read-write pages (mmap); NULL on failure. Untouched pages use no memory.
void *cshim_map_anonymous(size_t size);
/// mallopt(M_MMAP_THRESHOLD, bytes) (glibc's <malloc.h>); returns mallopt's result (1 on success).
int cshim_set_mmap_threshold(int bytes);
/// Grows or moves a mapping made by cshim_map_anonymous (mremap with MREMAP_MAYMOVE, which Swift
/// cannot call: it is variadic); NULL on failure.
void *cshim_remap(void *old, size_t old_size, size_t new_size);
/// munmap.
void cshim_unmap(void *p, size_t size);
/// CPUs this process may run on (sched_getaffinity), at least 1.
int cshim_online_cpus(void);
#endif
