/* hugereuse.c -- huge blocks (more than a 16 MiB segment) freed below
   the top are reused by later huge blocks, so a program that frees and
   allocates huge blocks around a long-lived small one does not make
   its heap grow without end.
   Usage: hugereuse file|anon
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mmalloc.h>
#include "mmtest.h"

#define MIB ((size_t) 1 << 20)

int
main (int argc, char **argv)
{
  const char *kind = argc > 1 ? argv[1] : "anon";
  char path[64];
  char *a, *b, *c;
  size_t total0, worst = 0, i;
  int fd = -1, sound = 1, placed = 1;
  void *md;

  snprintf (path, sizeof path, "alloc-hugereuse-%ld.heap", (long) getpid ());
  if (strcmp (kind, "file") == 0)
    {
      unlink (path);
      fd = open (path, O_RDWR | O_CREAT | O_EXCL, 0600);
      if (fd < 0)
	mmt_fatal ("open %s: %s", path, strerror (errno));
    }
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    mmt_fatal ("mmalloc_attach: %s", strerror (errno));

  /* A huge block, and a small one above it that stays.  */
  a = mmalloc (md, 120 * MIB);
  b = mmalloc (md, 100);
  if (a == NULL || b == NULL)
    mmt_fatal ("mmalloc failed: %s", strerror (errno));
  memset (a, 1, 120 * MIB);
  mfree (md, a);
  total0 = mmstats (md).bytes_total;
  c = mmalloc (md, 100 * MIB);
  CHECK (c != NULL && c < b, "%s: a 100 MiB block reuses the segments a "
	 "freed 120 MiB block left below the top", kind);
  CHECK (mmalloc_check (md) == 0, "%s: the heap is sound (%s)", kind,
	 mmalloc_check_message (md));
  if (c != NULL)
    {
      memset (c, 2, 100 * MIB);
      mfree (md, c);
    }
  /* Many rounds of huge blocks of changing sizes, all fitting in the
     first one's segments: the heap stays as large as it was.  */
  for (i = 0; i < 24; i++)
    {
      size_t n = (17 + (i * 29) % 100) * MIB;
      char *p = mmalloc (md, n);
      size_t t;
      if (p == NULL || p > b)
	placed = 0;
      if (p != NULL)
	{
	  p[0] = 3;
	  p[n - 1] = 3;
	  mfree (md, p);
	}
      if (mmalloc_check (md) != 0)
	sound = 0;
      t = mmstats (md).bytes_total;
      if (t > worst)
	worst = t;
    }
  CHECK (placed, "%s: 24 huge blocks of 17-116 MiB all reuse the freed "
	 "segments", kind);
  CHECK (sound, "%s: mmalloc_check stays 0", kind);
  CHECK (worst <= total0 + 16 * MIB, "%s: the heap does not grow "
	 "(%zu MiB at most, %zu MiB before)", kind, worst >> 20,
	 total0 >> 20);
  mfree (md, b);
  CHECK (mmalloc_check (md) == 0, "%s: sound at the end", kind);
  mmalloc_detach (md);
  if (fd >= 0)
    {
      close (fd);
      unlink (path);
    }
  mmt_exit ();
}
