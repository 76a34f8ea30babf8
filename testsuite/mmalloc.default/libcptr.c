/* libcptr.c -- DESIGN.md, "One default heap per process": with only
   libmmalloc linked (the NULL-descriptor defines, as GDB used them),
   mfree (NULL, p) and mrealloc (NULL, p, n) on a block of the C
   library's own allocator (strdup, getline, asprintf) hand it back to
   the C library instead of corrupting the default heap.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <malloc.h>
#include <string.h>

#include <mmalloc.h>
#include "mmtest.h"

int
main (void)
{
  struct mstats before, after;
  char *own, *s, *t, *u;
  int ok, i;

  own = mmalloc (NULL, 64);	/* the default heap exists */
  if (own == NULL)
    mmt_fatal ("mmalloc (NULL, 64) failed");
  strcpy (own, "ours");

  /* mrealloc (NULL, libc block, n): a block of ours with the contents.  */
  s = strdup ("a string the C library allocated");
  if (s == NULL)
    mmt_fatal ("strdup failed");
  before = mmstats (NULL);
  t = mrealloc (NULL, s, 4000);
  after = mmstats (NULL);
  CHECK (t != NULL, "mrealloc (NULL, strdup'd block, 4000) returns a block");
  if (t != NULL)
    {
      CHECK (strcmp (t, "a string the C library allocated") == 0,
	     "it holds the C library block's contents");
      CHECK (mmalloc_usable_size (NULL, t) >= 4000
	     && after.chunks_used == before.chunks_used + 1,
	     "it is a block of the default heap");
      memset (t, 't', 4000);
      mfree (NULL, t);
    }

  /* mfree (NULL, libc block) returns it to the C library.  Under a
     sanitizer the C library's allocator is not glibc's.  */
#if defined MMALLOC_SANITIZERS && MMALLOC_SANITIZERS
  mmt_unsupported ("mfree (NULL, libc block) returns it to the C library "
		   "(malloc is the sanitizer's)");
#else
  {
    struct mallinfo2 m0, m1;
    before = mmstats (NULL);
    u = malloc (100000);
    if (u == NULL)
      mmt_fatal ("malloc failed");
    memset (u, 'u', 100000);
    m0 = mallinfo2 ();
    mfree (NULL, u);
    m1 = mallinfo2 ();
    after = mmstats (NULL);
    CHECK (m1.uordblks + 100000 <= m0.uordblks,
	   "mfree (NULL, malloc'd block) gives it back to the C library "
	   "(in use %zu -> %zu)", m0.uordblks, m1.uordblks);
    CHECK (after.chunks_used == before.chunks_used
	   && after.bytes_used == before.bytes_used,
	   "mfree (NULL, malloc'd block) leaves the default heap's "
	   "statistics alone");
  }
#endif
  (void) u;

  /* Many strdup'd blocks through mfree (NULL, ...): the heap stays sound
     and ours stays intact.  */
  for (ok = 1, i = 0; i < 1000; i++)
    {
      char *d = strdup ("short-lived");
      if (d == NULL)
	{
	  ok = 0;
	  break;
	}
      mfree (NULL, d);
    }
  CHECK (ok, "1000 strdup + mfree (NULL, ...) cycles");
  CHECK (strcmp (own, "ours") == 0, "the default heap's block is intact");
  CHECK (mmalloc_check (NULL) == 0, "mmalloc_check (NULL) == 0: %s",
	 mmalloc_check_message (NULL));
  mfree (NULL, own);
  mmt_exit ();
}
