/*
 * pty_modem_shim: an LD_PRELOAD library for tests that lets libserialport open a
 * pseudo-terminal as if it were a serial port.
 *
 * libserialport's sp_open()/sp_set_config() read and set the modem-control lines with
 * TIOCMGET, TIOCMSET, TIOCMBIS and TIOCMBIC. A real UART driver answers them; a pty answers
 * ENOTTY, and sp_open() fails. This shim wraps ioctl(): the real ioctl() always runs first;
 * only when it fails with ENOTTY on a file descriptor that *is* a terminal (which is the
 * pty case: every real serial driver implements these four requests) does the shim answer,
 * keeping the modem bits per file descriptor (initially DTR, RTS, CTS, DSR and CD raised).
 * Every other call, and every call on a real serial port, is passed through untouched.
 *
 * Preload order matters with umockdev: this shim must come BEFORE libumockdev-preload in
 * LD_PRELOAD (umockdev answers ioctls on its emulated device nodes itself and does not pass
 * unknown ones on). `umockdev-run` appends its own library to an existing LD_PRELOAD, so
 * `LD_PRELOAD=/path/libscanedge_pty_modem_shim.so umockdev-run ...` gives the right order.
 *
 * Test-only: never install it on a device.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <unistd.h>

typedef int (*ioctl_fn)(int, unsigned long, ...);

#define SHIM_MAX_FDS 4096
#define SHIM_DEFAULT_BITS (TIOCM_DTR | TIOCM_RTS | TIOCM_CTS | TIOCM_DSR | TIOCM_CAR)

static pthread_mutex_t shim_mu = PTHREAD_MUTEX_INITIALIZER;
static int shim_bits[SHIM_MAX_FDS];
static unsigned char shim_known[SHIM_MAX_FDS];
static int shim_overflow_bits = SHIM_DEFAULT_BITS; /* fds beyond the table share this */

static ioctl_fn real_ioctl(void) {
  static ioctl_fn fn;
  if (fn == NULL) {
    void* sym = dlsym(RTLD_NEXT, "ioctl");
    /* POSIX dlsym returns an object pointer; converting through memcpy-free union keeps
       the conversion well-defined without casts the compiler warns about. */
    union {
      void* obj;
      ioctl_fn fn;
    } u;
    u.obj = sym;
    fn = u.fn;
  }
  return fn;
}

static int is_modem_request(unsigned long req) {
  return req == TIOCMGET || req == TIOCMSET || req == TIOCMBIS || req == TIOCMBIC;
}

static int* bits_for(int fd) {
  if (fd >= 0 && fd < SHIM_MAX_FDS) {
    if (!shim_known[fd]) {
      shim_known[fd] = 1;
      shim_bits[fd] = SHIM_DEFAULT_BITS;
    }
    return &shim_bits[fd];
  }
  return &shim_overflow_bits;
}

int ioctl(int fd, unsigned long req, ...) {
  va_list ap;
  va_start(ap, req);
  void* arg = va_arg(ap, void*);
  va_end(ap);

  ioctl_fn next = real_ioctl();
  if (next == NULL) {
    errno = ENOSYS;
    return -1;
  }
  int r = next(fd, req, arg);
  if (r != -1 || errno != ENOTTY || !is_modem_request(req) || arg == NULL) return r;
  int saved = errno;
  if (!isatty(fd)) {
    errno = saved;
    return r;
  }
  int* user = arg;
  pthread_mutex_lock(&shim_mu);
  int* bits = bits_for(fd);
  switch (req) {
    case TIOCMGET: *user = *bits; break;
    case TIOCMSET: *bits = *user; break;
    case TIOCMBIS: *bits |= *user; break;
    case TIOCMBIC: *bits &= ~*user; break;
    default: break;
  }
  pthread_mutex_unlock(&shim_mu);
  return 0;
}
