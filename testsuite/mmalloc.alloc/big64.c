/* big64.c -- blocks of several GiB (gnu-mmalloc.md section 7,
   scenario 16).
   Usage: big64 file|anon|default
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.

   mmalloc (md, 3 GiB) and then mmalloc (md, 5 GiB), both live at once,
   return either NULL with errno ENOMEM (or ENOSPC/EFBIG/EDQUOT for a
   file heap) or a block that is usable from its first to its last
   byte: one byte every 256 MiB and the last byte are written and read
   back, and a file heap's file covers the whole block.  Never a short
   block, never a crash.  A file heap needs that much disk space (the
   engine allocates file blocks when the heap grows): under 12 GiB free,
   the test is UNSUPPORTED.  */

#include "config.h"

#include <sys/statvfs.h>

#include "alloc-common.h"

#define GiB ((size_t) 1 << 30)
#define STRIDE ((size_t) 256 << 20)

static void *md;
static struct mma_heap H;

/* Allocate SIZE bytes and check the block, or the failure.  */
static char *
big (size_t size, unsigned char seed)
{
  char *p;
  size_t off, bad = 0;
  int e;

  errno = 0;
  p = mmalloc (md, size);
  e = errno;
  if (p == NULL)
    {
      mma_why ("errno %s", strerror (e));
      CHECKW (e == ENOMEM || (H.fd >= 0 && (e == ENOSPC || e == EFBIG
					   || e == EDQUOT)),
	      "mmalloc (%zu GiB) fails with ENOMEM or ENOSPC", size / GiB);
      mmt_note ("mmalloc (%zu GiB) returned NULL: %s", size / GiB,
		strerror (e));
      return NULL;
    }
  mmt_pass ("mmalloc (%zu GiB) returned a block", size / GiB);
  mma_why ("usable %zu", mmalloc_usable_size (md, p));
  CHECKW (mmalloc_usable_size (md, p) >= size,
	  "the %zu GiB block is not short (usable size)", size / GiB);
  if (H.fd >= 0)
    {
      struct stat st;
      size_t end = (size_t) (p - (char *) md) + size;
      fstat (H.fd, &st);
      mma_why ("file size %lld, block ends at offset %zu",
	       (long long) st.st_size, end);
      CHECKW ((size_t) st.st_size >= end, "the heap file covers the whole "
	      "%zu GiB block", size / GiB);
    }
  for (off = 0; off < size; off += STRIDE)
    p[off] = (char) (seed + off / STRIDE);
  p[size - 1] = (char) ~seed;
  for (off = 0; off < size; off += STRIDE)
    if (p[off] != (char) (seed + off / STRIDE))
      bad++;
  if (p[size - 1] != (char) ~seed)
    bad++;
  mma_why ("%zu bytes did not read back", bad);
  CHECKW (bad == 0, "first, last and every 256 MiB byte of the %zu GiB "
	  "block are usable", size / GiB);
  return p;
}

int
main (int argc, char **argv)
{
  const char *kind = mma_backend_arg (argc, argv);
  struct mstats base, s;
  char *a, *b;

  if (strcmp (kind, "file") == 0)
    {
      struct statvfs sv;
      if (statvfs (".", &sv) != 0)
	mmt_fatal ("statvfs: %s", strerror (errno));
      if ((unsigned long long) sv.f_bavail * sv.f_frsize < 12ull << 30)
	{
	  mmt_unsupported ("3 and 5 GiB blocks in a heap file (less than "
			   "12 GiB free on disk)");
	  mmt_exit ();
	}
    }
  mma_open (&H, kind, "big64");
  md = H.md;
  mmt_note ("backend %s, md %p", H.kind, md);
  {
    void *first = mmalloc (md, 8);
    mfree (md, first);
  }
  base = mmstats (md);

  a = big (3 * GiB, 0x11);
  b = big (5 * GiB, 0x22);
  if (a != NULL && b != NULL)
    {
      size_t off, bad = 0;
      CHECK (b >= a + 3 * GiB || b + 5 * GiB <= a, "the 3 and 5 GiB blocks "
	     "do not overlap");
      for (off = 0; off < 3 * GiB; off += STRIDE)
	if (a[off] != (char) (0x11 + off / STRIDE))
	  bad++;
      CHECK (bad == 0 && a[3 * GiB - 1] == (char) ~0x11,
	     "the 3 GiB block is intact after the 5 GiB one was written");
    }
  mma_check_heap (md, "with the big blocks");
  mfree (md, b);
  mfree (md, a);
  s = mmstats (md);
  CHECK (s.chunks_used == base.chunks_used && s.bytes_used == base.bytes_used,
	 "mmstats back to the baseline after freeing the big blocks");
  mma_check_heap (md, "after freeing the big blocks");
  {
    char *p = mmalloc (md, 1000);
    CHECK (p != NULL, "the heap still serves small blocks");
    mfree (md, p);
  }
  mma_close (&H);
  mmt_exit ();
}
