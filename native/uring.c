/*
 * io_uring for Node.js block devices: our own minimal engine (raw syscalls, no liburing).
 *
 * Why: libuv carries file I/O through its thread pool (two thread hand-offs per I/O), and its
 * own io_uring support is off by default in Node. Here requests are queued in the submission
 * ring from JavaScript without a system call, submitted in one io_uring_enter per event-loop
 * turn (from a prepare and a check handle, so nothing waits while the loop sleeps), and reaped
 * in batches when the ring's eventfd becomes readable. Completed (slot, result) pairs are written
 * into a shared Int32Array and JavaScript is called once per batch.
 *
 * One ring per event loop (per JavaScript thread). JavaScript keeps every buffer referenced
 * until its completion arrives; the ring is only closed once nothing is in flight.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/io_uring.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

typedef struct {
  int ring_fd;
  int event_fd;
  unsigned sq_entries;
  unsigned cq_entries;
  unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
  struct io_uring_sqe *sqes;
  unsigned *cq_head, *cq_tail, *cq_mask;
  struct io_uring_cqe *cqes;
  void *sq_ptr, *cq_ptr;
  size_t sq_size, cq_size, sqes_size;
  unsigned to_submit; /* prepared, not yet handed to the kernel */
  unsigned inflight;  /* prepared or submitted, not yet completed */
  int closing;
  uv_poll_t poll;
  uv_prepare_t prepare;
  uv_check_t check;
  int handles_open;
  napi_env env;
  napi_ref on_complete;
  napi_ref resource;
  napi_async_context actx;
  int32_t *completions; /* [slot, result] pairs, shared with JavaScript */
  unsigned completions_cap;
  napi_ref completions_ref;
} Ring;

static int sys_setup(unsigned entries, struct io_uring_params *p) {
  return (int)syscall(__NR_io_uring_setup, entries, p);
}
static int sys_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags) {
  return (int)syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, NULL, 0);
}
static int sys_register(int fd, unsigned opcode, void *arg, unsigned nr) {
  return (int)syscall(__NR_io_uring_register, fd, opcode, arg, nr);
}

#define NAPI_CALL(env, call)                                                   \
  do {                                                                         \
    if ((call) != napi_ok) {                                                   \
      napi_throw_error((env), "URING_NAPI", "N-API call failed: " #call);      \
      return NULL;                                                             \
    }                                                                          \
  } while (0)

static void throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, "URING_UNAVAILABLE", msg);
}

/* Hand every prepared SQE to the kernel. Returns 0 or -errno. */
static int flush_submissions(Ring *r) {
  while (r->to_submit > 0) {
    int n = sys_enter(r->ring_fd, r->to_submit, 0, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EBUSY) return -errno; /* retried on the next loop turn */
      return -errno;
    }
    r->to_submit -= (unsigned)n;
    if (n == 0) break;
  }
  return 0;
}

static void stop_turn_handles(Ring *r) {
  uv_prepare_stop(&r->prepare);
  uv_check_stop(&r->check);
}

static void on_turn(Ring *r) {
  if (r->to_submit > 0) flush_submissions(r);
  if (r->to_submit == 0) stop_turn_handles(r);
}
static void on_prepare(uv_prepare_t *h) { on_turn((Ring *)h->data); }
static void on_check(uv_check_t *h) { on_turn((Ring *)h->data); }

static void update_ref(Ring *r) {
  /* The eventfd poll keeps the process alive only while I/O is in flight. */
  if (r->inflight > 0) uv_ref((uv_handle_t *)&r->poll);
  else uv_unref((uv_handle_t *)&r->poll);
}

static void deliver(Ring *r, unsigned n) {
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, argv[1], result;
  if (napi_get_reference_value(env, r->on_complete, &fn) == napi_ok &&
      napi_get_reference_value(env, r->resource, &recv) == napi_ok &&
      napi_create_uint32(env, n, &argv[0]) == napi_ok) {
    /* make_callback runs queued microtasks afterwards, so promises settle in this turn. */
    napi_make_callback(env, r->actx, recv, fn, 1, argv, &result);
  }
  napi_close_handle_scope(env, scope);
}

static void reap(Ring *r) {
  unsigned n = 0;
  for (;;) {
    unsigned head = *r->cq_head;
    unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
    if (head == tail) break;
    while (head != tail && n < r->completions_cap) {
      struct io_uring_cqe *cqe = &r->cqes[head & *r->cq_mask];
      r->completions[2 * n] = (int32_t)cqe->user_data;
      r->completions[2 * n + 1] = cqe->res;
      n++;
      head++;
    }
    __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
    if (n == r->completions_cap) {
      r->inflight -= n;
      deliver(r, n);
      n = 0;
    }
  }
  if (n > 0) {
    r->inflight -= n;
    deliver(r, n);
  }
  if (!r->closing) update_ref(r);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  Ring *r = (Ring *)h->data;
  (void)status;
  (void)events;
  uint64_t v;
  while (read(r->event_fd, &v, sizeof v) < 0 && errno == EINTR) {
  }
  reap(r);
}

static void free_ring(Ring *r) {
  if (r->sqes && r->sqes != MAP_FAILED) munmap(r->sqes, r->sqes_size);
  if (r->cq_ptr && r->cq_ptr != MAP_FAILED && r->cq_ptr != r->sq_ptr) munmap(r->cq_ptr, r->cq_size);
  if (r->sq_ptr && r->sq_ptr != MAP_FAILED) munmap(r->sq_ptr, r->sq_size);
  if (r->ring_fd >= 0) close(r->ring_fd);
  if (r->event_fd >= 0) close(r->event_fd);
  free(r);
}

static void on_handle_closed(uv_handle_t *h) {
  Ring *r = (Ring *)h->data;
  if (--r->handles_open == 0) free_ring(r);
}

/* create(entries: number, onComplete: (n) => void): [ring, Int32Array completions] */
static napi_value Create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t entries = 256;
  if (argc >= 1) napi_get_value_uint32(env, argv[0], &entries);

  Ring *r = calloc(1, sizeof *r);
  if (!r) {
    throw_errno(env, "io_uring ring", ENOMEM);
    return NULL;
  }
  r->ring_fd = -1;
  r->event_fd = -1;
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  r->ring_fd = sys_setup(entries, &p);
  if (r->ring_fd < 0) {
    int e = errno;
    free_ring(r);
    throw_errno(env, "io_uring_setup", e);
    return NULL;
  }
  r->sq_entries = p.sq_entries;
  r->cq_entries = p.cq_entries;
  r->sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  r->cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  int single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
  if (single) {
    if (r->cq_size > r->sq_size) r->sq_size = r->cq_size;
    r->cq_size = r->sq_size;
  }
  r->sq_ptr = mmap(NULL, r->sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->ring_fd, IORING_OFF_SQ_RING);
  if (r->sq_ptr == MAP_FAILED) {
    int e = errno;
    free_ring(r);
    throw_errno(env, "io_uring mmap (sq)", e);
    return NULL;
  }
  r->cq_ptr = single ? r->sq_ptr
                     : mmap(NULL, r->cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->ring_fd, IORING_OFF_CQ_RING);
  if (r->cq_ptr == MAP_FAILED) {
    int e = errno;
    free_ring(r);
    throw_errno(env, "io_uring mmap (cq)", e);
    return NULL;
  }
  r->sqes_size = p.sq_entries * sizeof(struct io_uring_sqe);
  r->sqes = mmap(NULL, r->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->ring_fd, IORING_OFF_SQES);
  if (r->sqes == MAP_FAILED) {
    int e = errno;
    free_ring(r);
    throw_errno(env, "io_uring mmap (sqes)", e);
    return NULL;
  }
  char *sq = r->sq_ptr, *cq = r->cq_ptr;
  r->sq_head = (unsigned *)(sq + p.sq_off.head);
  r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
  r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
  r->sq_array = (unsigned *)(sq + p.sq_off.array);
  r->cq_head = (unsigned *)(cq + p.cq_off.head);
  r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
  r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
  r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);

  r->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (r->event_fd < 0 || sys_register(r->ring_fd, IORING_REGISTER_EVENTFD, &r->event_fd, 1) < 0) {
    int e = errno;
    free_ring(r);
    throw_errno(env, "io_uring eventfd", e);
    return NULL;
  }

  uv_loop_t *loop;
  NAPI_CALL(env, napi_get_uv_event_loop(env, &loop));
  r->env = env;
  uv_poll_init(loop, &r->poll, r->event_fd);
  uv_prepare_init(loop, &r->prepare);
  uv_check_init(loop, &r->check);
  r->poll.data = r->prepare.data = r->check.data = r;
  r->handles_open = 3;
  uv_poll_start(&r->poll, UV_READABLE, on_poll);
  update_ref(r);

  NAPI_CALL(env, napi_create_reference(env, argv[1], 1, &r->on_complete));
  napi_value resource, name;
  NAPI_CALL(env, napi_create_object(env, &resource));
  NAPI_CALL(env, napi_create_reference(env, resource, 1, &r->resource));
  NAPI_CALL(env, napi_create_string_utf8(env, "mayastor.uring", NAPI_AUTO_LENGTH, &name));
  NAPI_CALL(env, napi_async_init(env, resource, name, &r->actx));

  r->completions_cap = r->cq_entries;
  void *data;
  napi_value ab, completions;
  NAPI_CALL(env, napi_create_arraybuffer(env, r->completions_cap * 2 * sizeof(int32_t), &data, &ab));
  r->completions = data;
  NAPI_CALL(env, napi_create_typedarray(env, napi_int32_array, r->completions_cap * 2, ab, 0, &completions));
  NAPI_CALL(env, napi_create_reference(env, completions, 1, &r->completions_ref));

  napi_value ext, out, cap;
  NAPI_CALL(env, napi_create_external(env, r, NULL, NULL, &ext));
  NAPI_CALL(env, napi_create_array_with_length(env, 3, &out));
  NAPI_CALL(env, napi_set_element(env, out, 0, ext));
  NAPI_CALL(env, napi_set_element(env, out, 1, completions));
  NAPI_CALL(env, napi_create_uint32(env, r->cq_entries, &cap));
  NAPI_CALL(env, napi_set_element(env, out, 2, cap));
  return out;
}

static Ring *get_ring(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) return NULL;
  Ring *r = p;
  return r->closing ? NULL : r;
}

/* Take the next SQE, flushing the ring first if it is full. NULL when nothing can be queued. */
static struct io_uring_sqe *next_sqe(Ring *r) {
  if (r->inflight >= r->cq_entries) return NULL; /* never more in flight than the CQ holds */
  unsigned head = __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);
  unsigned tail = *r->sq_tail;
  if (tail - head >= r->sq_entries) {
    if (flush_submissions(r) < 0) return NULL;
    head = __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);
    if (tail - head >= r->sq_entries) return NULL;
  }
  unsigned idx = tail & *r->sq_mask;
  struct io_uring_sqe *sqe = &r->sqes[idx];
  memset(sqe, 0, sizeof *sqe);
  r->sq_array[idx] = idx;
  return sqe;
}

static void commit_sqe(Ring *r) {
  __atomic_store_n(r->sq_tail, *r->sq_tail + 1, __ATOMIC_RELEASE);
  r->to_submit++;
  r->inflight++;
  update_ref(r);
  uv_prepare_start(&r->prepare, on_prepare);
  uv_check_start(&r->check, on_check);
}

static napi_value int_result(napi_env env, int32_t v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

/* rw(ring, op, slot, fd, buffer, bufOffset, length, position): 0, or -EBUSY when the ring is full */
static napi_value ReadWrite(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Ring *r = get_ring(env, argv[0]);
  if (!r) return int_result(env, -EBADF);
  uint32_t op, slot, off, len;
  int32_t fd;
  double pos;
  void *data;
  size_t blen;
  napi_get_value_uint32(env, argv[1], &op);
  napi_get_value_uint32(env, argv[2], &slot);
  napi_get_value_int32(env, argv[3], &fd);
  if (napi_get_buffer_info(env, argv[4], &data, &blen) != napi_ok) return int_result(env, -EINVAL);
  napi_get_value_uint32(env, argv[5], &off);
  napi_get_value_uint32(env, argv[6], &len);
  napi_get_value_double(env, argv[7], &pos);
  if ((size_t)off + len > blen || pos < 0) return int_result(env, -EINVAL);
  struct io_uring_sqe *sqe = next_sqe(r);
  if (!sqe) return int_result(env, -EBUSY);
  sqe->opcode = op == 0 ? IORING_OP_READ : IORING_OP_WRITE;
  sqe->fd = fd;
  sqe->addr = (uint64_t)(uintptr_t)((char *)data + off);
  sqe->len = len;
  sqe->off = (uint64_t)pos;
  sqe->user_data = slot;
  commit_sqe(r);
  return int_result(env, 0);
}

/* fsync(ring, slot, fd, datasync) */
static napi_value Fsync(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Ring *r = get_ring(env, argv[0]);
  if (!r) return int_result(env, -EBADF);
  uint32_t slot;
  int32_t fd;
  bool datasync;
  napi_get_value_uint32(env, argv[1], &slot);
  napi_get_value_int32(env, argv[2], &fd);
  napi_get_value_bool(env, argv[3], &datasync);
  struct io_uring_sqe *sqe = next_sqe(r);
  if (!sqe) return int_result(env, -EBUSY);
  sqe->opcode = IORING_OP_FSYNC;
  sqe->fd = fd;
  sqe->fsync_flags = datasync ? IORING_FSYNC_DATASYNC : 0;
  sqe->user_data = slot;
  commit_sqe(r);
  return int_result(env, 0);
}

/* close(ring): only once nothing is in flight (JavaScript guarantees it). */
static napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Ring *r = get_ring(env, argv[0]);
  if (!r) return NULL;
  if (r->inflight > 0) {
    napi_throw_error(env, "URING_BUSY", "io_uring ring closed with I/O in flight");
    return NULL;
  }
  r->closing = 1;
  napi_async_destroy(env, r->actx);
  napi_delete_reference(env, r->on_complete);
  napi_delete_reference(env, r->resource);
  napi_delete_reference(env, r->completions_ref);
  uv_poll_stop(&r->poll);
  stop_turn_handles(r);
  uv_close((uv_handle_t *)&r->poll, on_handle_closed);
  uv_close((uv_handle_t *)&r->prepare, on_handle_closed);
  uv_close((uv_handle_t *)&r->check, on_handle_closed);
  return NULL;
}

/*
 * flock(fd, exclusive, non-blocking): how an image file is kept from being opened by two
 * io-engines (or an io-engine and an export) at once. Node has no file locks of its own.
 * Returns 0, or -errno (-EWOULDBLOCK when another open file description holds the lock).
 */
static napi_value Flock(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "flock(fd)");
    return NULL;
  }
  int rc = flock(fd, LOCK_EX | LOCK_NB);
  return int_result(env, rc == 0 ? 0 : -errno);
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"create", NULL, Create, NULL, NULL, NULL, napi_default, NULL},
      {"rw", NULL, ReadWrite, NULL, NULL, NULL, napi_default, NULL},
      {"fsync", NULL, Fsync, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, Close, NULL, NULL, NULL, napi_default, NULL},
      {"flock", NULL, Flock, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
