/* probe.c -- mmprobe (the per-block check, like glibc's mprobe) and
   mmalloc_usable_size of checked blocks:
   MMPROBE_DISABLED without checking; MMPROBE_OK for a live checked
   block; MMPROBE_TAIL after an overrun; MMPROBE_HEAD after damage to the
   head and for a foreign pointer; MMPROBE_FREE after free.  The usable
   size of a checked block is the size asked for, and using all of it
   trips nothing.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <mmalloc.h>
#include "mmtest.h"

static int aborts;

static void
count_abort (void)
{
  aborts++;
}

static const char *
name (enum mmprobe_status s)
{
  switch (s)
    {
    case MMPROBE_DISABLED:
      return "DISABLED";
    case MMPROBE_OK:
      return "OK";
    case MMPROBE_FREE:
      return "FREE";
    case MMPROBE_HEAD:
      return "HEAD";
    case MMPROBE_TAIL:
      return "TAIL";
    }
  return "?";
}

static void
expect (void *md, void *p, enum mmprobe_status want, const char *what)
{
  enum mmprobe_status got = mmprobe (md, p);

  CHECK (got == want, "mmprobe %s: %s (want %s)", what, name (got),
	 name (want));
}

/* The probes for blocks of SIZE bytes in checked heap MD.  */
static void
probe_size (void *md, size_t size)
{
  char what[100];
  char *p, *keep;
  size_t u;

  p = mmalloc (md, size);
  keep = mmalloc (md, size);	/* keeps the run (or the top) in place */
  if (p == NULL || keep == NULL)
    mmt_fatal ("mmalloc (md, %zu) failed", size);
  snprintf (what, sizeof what, "of a live %zu-byte block", size);
  expect (md, p, MMPROBE_OK, what);
  u = mmalloc_usable_size (md, p);
  CHECK (u == size, "mmalloc_usable_size of a checked %zu-byte block is "
	 "%zu (want the size asked for)", size, u);
  memset (p, 0x3c, u);
  snprintf (what, sizeof what, "of a %zu-byte block written whole", size);
  expect (md, p, MMPROBE_OK, what);
  aborts = 0;
  mfree (md, keep);
  CHECK (aborts == 0, "using the whole usable size of a %zu-byte block "
	 "trips nothing at free", size);

  p[size] ^= 1;
  snprintf (what, sizeof what, "after a one-byte overrun (%zu bytes)", size);
  expect (md, p, MMPROBE_TAIL, what);
  p[size] ^= 1;
  snprintf (what, sizeof what, "after the overrun was undone (%zu bytes)",
	    size);
  expect (md, p, MMPROBE_OK, what);
  p[-12] ^= 0x40;		/* inside the magic word of the head */
  snprintf (what, sizeof what, "after damage to the head (%zu bytes)",
	    size);
  expect (md, p, MMPROBE_HEAD, what);
  p[-12] ^= 0x40;
  p[-1] ^= 0x40;		/* the byte just before the block */
  snprintf (what, sizeof what, "after a one-byte underrun (%zu bytes)",
	    size);
  expect (md, p, MMPROBE_HEAD, what);
  p[-1] ^= 0x40;
  keep = mmalloc (md, size);
  aborts = 0;
  mfree (md, p);
  CHECK (aborts == 0, "freeing the repaired %zu-byte block calls nothing",
	 size);
  snprintf (what, sizeof what, "after free (%zu bytes)", size);
  expect (md, p, MMPROBE_FREE, what);
  mfree (md, keep);
}

int
main (void)
{
  void *plain, *md, *other;
  char *p, *q;
  char local[32];

  plain = mmalloc_attach (-1, NULL);
  md = mmalloc_attach (-1, NULL);
  other = mmalloc_attach (-1, NULL);
  if (plain == NULL || md == NULL || other == NULL)
    mmt_fatal ("mmalloc_attach (-1, NULL): %s", strerror (errno));

  /* Without checking.  */
  p = mmalloc (plain, 100);
  expect (plain, p, MMPROBE_DISABLED, "on a heap without checking");
  expect (plain, local, MMPROBE_DISABLED,
	  "of a stack address on a heap without checking");
  mfree (plain, p);

  if (mmcheckf (md, count_abort, 0) != 1)
    mmt_fatal ("mmcheckf on a fresh heap refused");
  probe_size (md, 1);
  probe_size (md, 100);
  probe_size (md, 4000);
  probe_size (md, 16000);
  probe_size (md, 100000);

  /* Foreign pointers.  */
  expect (md, local, MMPROBE_HEAD, "of a stack address");
  q = mmalloc (other, 100);
  expect (md, q, MMPROBE_HEAD, "of a block of another heap");
  p = mmalloc (md, 100);
  expect (md, p + 32, MMPROBE_HEAD, "of an address inside a block");
  expect (md, p, MMPROBE_OK, "of that block");
  CHECK (mmalloc_usable_size (md, p + 32) == 0,
	 "mmalloc_usable_size of an address inside a checked block is 0");
  CHECK (mmalloc_usable_size (md, local) == 0,
	 "mmalloc_usable_size of a stack address is 0");
  mfree (md, p);
  CHECK (aborts == 0, "probing called no abort function (%d calls)",
	 aborts);
  CHECK (mmalloc_check (md) == 0, "mmalloc_check of the checked heap: %s",
	 mmalloc_check_message (md));
  mmalloc_detach (plain);
  mmalloc_detach (md);
  mmalloc_detach (other);
  mmt_exit ();
}
