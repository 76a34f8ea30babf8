/* alloc-common.h -- helpers shared by the programs of mmalloc.alloc.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.

   Every program of this area takes the backend as its first argument:

     file     a heap in a new file of the current directory
              (<prog>-<pid>.heap, removed at the end)
     anon     an anonymous heap, mmalloc_attach (-1, NULL)
     default  the process's default heap, md = NULL

   Block contents are checked against a reference pattern: a block
   filled with tag T holds bytes mma_ref[T], mma_ref[T + 1], ... (a
   pseudo-random stream), so a block moved, shifted, clobbered by a
   neighbour or mixed up with another block is caught by one memcmp.  */

#ifndef ALLOC_COMMON_H
#define ALLOC_COMMON_H 1

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <mmalloc.h>
#include "mmtest.h"

/* Tags are offsets into the reference stream.  */
#define MMA_TAGS	4096u
/* The longest block the pattern covers in one piece.  */
#define MMA_PATTERN_MAX	((size_t) 4 << 20)

static unsigned char *mma_ref MMT_UNUSED;	/* MMA_PATTERN_MAX + MMA_TAGS */
static unsigned char *mma_zero MMT_UNUSED;	/* MMA_PATTERN_MAX zeros */

/* A small xorshift generator: deterministic runs, no libc state.  */
static uint64_t mma_rng_state MMT_UNUSED = 0x9e3779b97f4a7c15ull;

static inline MMT_UNUSED uint64_t
mma_rand (void)
{
  uint64_t x = mma_rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return mma_rng_state = x;
}

/* A number in [LO, HI].  */
static inline MMT_UNUSED size_t
mma_range (size_t lo, size_t hi)
{
  return lo + (size_t) (mma_rand () % (uint64_t) (hi - lo + 1));
}

/* Freed at exit, so that a leak checker (ASan's) sees no leak.  */
static MMT_UNUSED void
mma_pattern_release (void)
{
  free (mma_ref);
  free (mma_zero);
  mma_ref = mma_zero = NULL;
}

static inline MMT_UNUSED void
mma_pattern_init (void)
{
  size_t i;

  if (mma_ref != NULL)
    return;
  atexit (mma_pattern_release);
  /* The C library's allocator, not the heap under test.  */
  mma_ref = malloc (MMA_PATTERN_MAX + MMA_TAGS);
  mma_zero = calloc (1, MMA_PATTERN_MAX);
  if (mma_ref == NULL || mma_zero == NULL)
    mmt_fatal ("cannot allocate the reference pattern");
  for (i = 0; i < MMA_PATTERN_MAX + MMA_TAGS; i += 8)
    {
      uint64_t r = mma_rand ();
      memcpy (mma_ref + i, &r, 8);
    }
}

/* Fill bytes [FROM, TO) of block P as a block of tag TAG.  Blocks
   longer than MMA_PATTERN_MAX repeat the pattern.  */
static inline MMT_UNUSED void
mma_fill_range (void *p, size_t from, size_t to, unsigned int tag)
{
  unsigned char *b = p;

  while (from < to)
    {
      size_t off = from % MMA_PATTERN_MAX;
      size_t n = MMA_PATTERN_MAX - off;
      if (n > to - from)
	n = to - from;
      memcpy (b + from, mma_ref + tag % MMA_TAGS + off, n);
      from += n;
    }
}

static inline MMT_UNUSED void
mma_fill (void *p, size_t size, unsigned int tag)
{
  mma_fill_range (p, 0, size, tag);
}

/* Whether the first SIZE bytes of P hold the pattern of TAG.  */
static inline MMT_UNUSED int
mma_verify (const void *p, size_t size, unsigned int tag)
{
  const unsigned char *b = p;
  size_t from = 0;

  while (from < size)
    {
      size_t off = from % MMA_PATTERN_MAX;
      size_t n = MMA_PATTERN_MAX - off;
      if (n > size - from)
	n = size - from;
      if (memcmp (b + from, mma_ref + tag % MMA_TAGS + off, n) != 0)
	return 0;
      from += n;
    }
  return 1;
}

/* Whether the SIZE bytes at P are all zero.  */
static inline MMT_UNUSED int
mma_is_zero (const void *p, size_t size)
{
  const unsigned char *b = p;

  while (size > 0)
    {
      size_t n = size < MMA_PATTERN_MAX ? size : MMA_PATTERN_MAX;
      if (memcmp (b, mma_zero, n) != 0)
	return 0;
      b += n;
      size -= n;
    }
  return 1;
}

/* The heap under test.  */
struct mma_heap
{
  const char *kind;		/* "file", "anon" or "default" */
  void *md;
  int fd;			/* file heaps, else -1 */
  char path[256];
};

/* Open a heap of KIND for program PROG.  OPTS (may be NULL) goes to
   mmalloc_attach_opts; a null OPTS uses plain mmalloc_attach.  */
static inline MMT_UNUSED void
mma_open_opts (struct mma_heap *H, const char *kind, const char *prog,
	       const struct mmalloc_options *opts)
{
  memset (H, 0, sizeof *H);
  H->fd = -1;
  H->kind = kind;
  mma_pattern_init ();
  if (strcmp (kind, "file") == 0)
    {
      snprintf (H->path, sizeof H->path, "%s-%ld.heap", prog,
		(long) getpid ());
      unlink (H->path);
      H->fd = open (H->path, O_RDWR | O_CREAT | O_EXCL, 0600);
      if (H->fd < 0)
	mmt_fatal ("open %s: %s", H->path, strerror (errno));
      H->md = opts ? mmalloc_attach_opts (H->fd, NULL, opts)
	: mmalloc_attach (H->fd, NULL);
      if (H->md == NULL)
	{
	  int e = errno;
	  close (H->fd);
	  unlink (H->path);
	  mmt_fatal ("mmalloc_attach of a new heap file: %s", strerror (e));
	}
    }
  else if (strcmp (kind, "anon") == 0)
    {
      H->md = opts ? mmalloc_attach_opts (-1, NULL, opts)
	: mmalloc_attach (-1, NULL);
      if (H->md == NULL)
	mmt_fatal ("mmalloc_attach (-1, NULL): %s", strerror (errno));
    }
  else if (strcmp (kind, "default") == 0)
    H->md = NULL;
  else
    mmt_fatal ("unknown backend '%s' (file, anon or default)", kind);
}

static inline MMT_UNUSED void
mma_open (struct mma_heap *H, const char *kind, const char *prog)
{
  mma_open_opts (H, kind, prog, NULL);
}

/* Detach (file and anonymous heaps) and remove the file.  */
static inline MMT_UNUSED void
mma_close (struct mma_heap *H)
{
  if (H->md != NULL)
    CHECK (mmalloc_detach (H->md) == NULL, "mmalloc_detach returns NULL");
  if (H->fd >= 0)
    {
      close (H->fd);
      unlink (H->path);
    }
  H->md = NULL;
  H->fd = -1;
}

/* The backend named by ARGV[1] ("anon" when absent).  */
static inline MMT_UNUSED const char *
mma_backend_arg (int argc, char **argv)
{
  return argc > 1 ? argv[1] : "anon";
}

/* Result texts must be the same from run to run (DejaGnu compares .sum
   files), so values that vary (addresses, errno names, counts) go into
   a detail line, printed as a NOTE only when the check fails:
     mma_why ("got %p, errno %s", p, strerror (errno));
     CHECKW (p == NULL && errno == ENOMEM, "mmalloc (SIZE_MAX) fails");  */
static char mma_detail[512] MMT_UNUSED;

static inline MMT_UNUSED MMT_PRINTF (1, 2) void
mma_why (const char *fmt, ...)
{
  va_list ap;
  int saved = errno;

  va_start (ap, fmt);
  vsnprintf (mma_detail, sizeof mma_detail, fmt, ap);
  va_end (ap);
  errno = saved;
}

static inline MMT_UNUSED MMT_PRINTF (2, 3) int
mma_result (int cond, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  mmt_vreport (cond ? "PASSED" : "FAILED", fmt, ap);
  va_end (ap);
  if (cond)
    mmt_passes++;
  else
    {
      mmt_failures++;
      if (mma_detail[0] != '\0')
	mmt_note ("  (details: %s)", mma_detail);
    }
  mma_detail[0] = '\0';
  return cond;
}

#define CHECKW(cond, ...) mma_result ((cond) ? 1 : 0, __VA_ARGS__)

/* Report mmalloc_check of MD as a result named WHAT.  */
static inline MMT_UNUSED int
mma_check_heap (void *md, const char *what)
{
  int rc = mmalloc_check (md);
  int e = errno;

  if (rc != 0)
    mma_why ("got %d, errno %s: %s", rc, strerror (e),
	     mmalloc_check_message (md));
  return CHECKW (rc == 0, "mmalloc_check is 0 %s", what);
}

/* Volatile function pointers, so that the compiler can neither fold a
   call that must fail nor warn about a constant huge size.  */
static void *(*volatile mma_mmalloc) (void *, size_t) MMT_UNUSED = mmalloc;
static void *(*volatile mma_mcalloc) (void *, size_t, size_t) MMT_UNUSED
  = mcalloc;
static void *(*volatile mma_mrealloc) (void *, void *, size_t) MMT_UNUSED
  = mrealloc;
static void *(*volatile mma_mmemalign) (void *, size_t, size_t) MMT_UNUSED
  = mmemalign;

#endif /* ALLOC_COMMON_H */
