/* nullmd.c -- the default heap through the NULL descriptor (scenario 21):
   every entry point works with md NULL, the heap lives at the program
   break, mmstats (NULL) follows the program's allocations exactly, and
   mmalloc_check (NULL) finds the heap sound afterwards.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <mmalloc.h>
#include "mmtest.h"
#include "default-util.h"

/* Keep the compiler from reasoning about the allocation functions.  */
static void *(*volatile mmalloc_p) (void *, size_t) = mmalloc;
static volatile size_t zero_size = 0;

static struct mstats base;	/* statistics before the program's blocks */

/* Whether the default heap's statistics say exactly CHUNKS blocks of
   BYTES (rounded) bytes are held beyond BASE.  */
static int
stats_are (size_t chunks, size_t bytes, const char *what)
{
  struct mstats s = mmstats (NULL);

  if (s.chunks_used == base.chunks_used + chunks
      && s.bytes_used == base.bytes_used + bytes)
    return CHECK (1, "mmstats (NULL) after %s", what);
  return CHECK (0, "mmstats (NULL) after %s: chunks_used %zu (want %zu), "
		"bytes_used %zu (want %zu)", what, s.chunks_used,
		base.chunks_used + chunks, s.bytes_used,
		base.bytes_used + bytes);
}

int
main (void)
{
  char *brk_before, *brk_after;
  char *p, *q, *r, *z, *a, *v, *big;
  size_t up, uq, ur, uz, ua, uv, held_chunks, held_bytes, i;
  int ok, in_heap;
  enum { N = 1000 };
  static char *many[N];
  static size_t many_size[N];
  uint64_t seed = 21;

  /* mmalloc (NULL, 0) is NULL before anything else happened.  */
  CHECK (mmalloc_p (NULL, zero_size) == NULL, "mmalloc (NULL, 0) is NULL");

  brk_before = sbrk (0);
  base = mmstats (NULL);
  CHECK (base.bytes_total > 0,
	 "mmstats (NULL) on the new default heap: bytes_total %zu > 0",
	 base.bytes_total);
  CHECK (base.bytes_total % 4096 == 0,
	 "mmstats (NULL): bytes_total is a whole number of pages");

  /* mmalloc.  */
  p = mmalloc (NULL, 100);
  if (!CHECK (p != NULL, "mmalloc (NULL, 100) returns a block"))
    mmt_fatal ("no default heap");
  brk_after = sbrk (0);
  CHECK ((uintptr_t) p % 16 == 0, "mmalloc (NULL, 100) is 16-byte aligned");
  up = mmalloc_usable_size (NULL, p);
  CHECK (up >= 100, "mmalloc_usable_size (NULL, p) = %zu >= 100", up);
  memset (p, 'p', 100);
  if (!CHECK (p >= brk_before && p < brk_after,
	      "the default heap is at the program break"))
    mmt_note ("block %p, break before %p, after %p", (void *) p,
	      (void *) brk_before, (void *) brk_after);
  in_heap = du_in_mapping (p, "[heap]");
  if (in_heap < 0)
    mmt_unsupported ("/proc/self/maps cannot be read");
  else
    CHECK (in_heap == 1, "the default heap's block is in the [heap] "
	   "mapping of /proc/self/maps");
  stats_are (1, up, "mmalloc (NULL, 100)");

  /* mrealloc: grow, keeping the contents.  */
  q = mrealloc (NULL, p, 5000);
  if (!CHECK (q != NULL, "mrealloc (NULL, p, 5000) returns a block"))
    mmt_fatal ("mrealloc failed");
  for (ok = 1, i = 0; i < 100; i++)
    ok &= q[i] == 'p';
  CHECK (ok, "mrealloc (NULL, p, 5000) keeps the first 100 bytes");
  uq = mmalloc_usable_size (NULL, q);
  CHECK (uq >= 5000, "usable size after mrealloc: %zu >= 5000", uq);
  memset (q, 'q', 5000);
  stats_are (1, uq, "mrealloc (NULL, p, 5000)");

  /* mrealloc (NULL, NULL, n) allocates.  */
  r = mrealloc (NULL, NULL, 300);
  if (!CHECK (r != NULL, "mrealloc (NULL, NULL, 300) allocates"))
    mmt_fatal ("mrealloc (NULL, NULL, n) failed");
  ur = mmalloc_usable_size (NULL, r);
  CHECK (ur >= 300, "its usable size %zu >= 300", ur);
  memset (r, 'r', 300);
  stats_are (2, uq + ur, "mrealloc (NULL, NULL, 300)");

  /* mcalloc: zeroed, also when the memory was used before.  */
  big = mmalloc (NULL, 200000);
  if (!CHECK (big != NULL, "mmalloc (NULL, 200000)"))
    mmt_fatal ("no memory");
  memset (big, 0xee, 200000);
  mfree (NULL, big);
  stats_are (2, uq + ur, "mfree of a 200000-byte block");
  z = mcalloc (NULL, 1000, 200);
  if (!CHECK (z != NULL, "mcalloc (NULL, 1000, 200) returns a block"))
    mmt_fatal ("mcalloc failed");
  for (ok = 1, i = 0; i < 200000; i++)
    ok &= z[i] == 0;
  CHECK (ok, "mcalloc (NULL, 1000, 200) is zeroed (memory reused)");
  uz = mmalloc_usable_size (NULL, z);
  stats_are (3, uq + ur + uz, "mcalloc (NULL, 1000, 200)");

  /* mmemalign and mvalloc.  */
  a = mmemalign (NULL, 4096, 100);
  if (!CHECK (a != NULL && (uintptr_t) a % 4096 == 0,
	      "mmemalign (NULL, 4096, 100) is page-aligned"))
    mmt_fatal ("mmemalign failed");
  ua = mmalloc_usable_size (NULL, a);
  CHECK (ua >= 100, "usable size of the aligned block %zu >= 100", ua);
  memset (a, 'a', 100);
  v = mvalloc (NULL, 10);
  if (!CHECK (v != NULL && (uintptr_t) v % (uintptr_t) getpagesize () == 0,
	      "mvalloc (NULL, 10) is page-aligned"))
    mmt_fatal ("mvalloc failed");
  uv = mmalloc_usable_size (NULL, v);
  memset (v, 'v', 10);
  stats_are (5, uq + ur + uz + ua + uv, "mmemalign and mvalloc");
  {
    char *b48 = mmemalign (NULL, 48, 1000);
    struct mstats s;
    CHECK (b48 != NULL && (uintptr_t) b48 % 48 == 0,
	   "mmemalign (NULL, 48, 1000) is 48-aligned");
    /* Its run may hold bytes before the block: they count as used.  */
    s = mmstats (NULL);
    CHECK (s.chunks_used == base.chunks_used + 6
	   && s.bytes_used >= (base.bytes_used + uq + ur + uz + ua + uv
			       + mmalloc_usable_size (NULL, b48)),
	   "mmstats (NULL) after mmemalign (NULL, 48, 1000): one more chunk, "
	   "at least its usable size more bytes");
    mfree (NULL, b48);
    stats_are (5, uq + ur + uz + ua + uv, "mfree of the 48-aligned block");
  }
  errno = 0;
  CHECK (mmemalign (NULL, 0, 10) == NULL && errno == EINVAL,
	 "mmemalign (NULL, 0, 10) is NULL with EINVAL (errno %d)", errno);

  /* mfree (NULL, NULL) does nothing.  */
  mfree (NULL, NULL);
  stats_are (5, uq + ur + uz + ua + uv, "mfree (NULL, NULL)");

  /* The heap is sound, and the blocks still hold what was written.  */
  errno = 0;
  CHECK (mmalloc_check (NULL) == 0 && errno == 0,
	 "mmalloc_check (NULL) == 0 with five blocks held: %s",
	 mmalloc_check_message (NULL));
  CHECK (strcmp (mmalloc_check_message (NULL), "") == 0,
	 "mmalloc_check_message (NULL) is empty on a sound heap");
  for (ok = 1, i = 0; i < 5000; i++)
    ok &= q[i] == 'q';
  for (i = 0; i < 300; i++)
    ok &= r[i] == 'r';
  for (i = 0; i < 100; i++)
    ok &= a[i] == 'a';
  for (i = 0; i < 10; i++)
    ok &= v[i] == 'v';
  CHECK (ok, "the blocks kept their contents");

  /* mrealloc (NULL, r, 0) frees.  */
  CHECK (mrealloc (NULL, r, 0) == NULL, "mrealloc (NULL, r, 0) is NULL");
  stats_are (4, uq + uz + ua + uv, "mrealloc (NULL, r, 0) (one block less)");

  /* mfree, one by one: -1 each.  */
  mfree (NULL, q);
  stats_are (3, uz + ua + uv, "mfree (NULL, q)");
  mfree (NULL, z);
  stats_are (2, ua + uv, "mfree (NULL, z)");
  mfree (NULL, a);
  stats_are (1, uv, "mfree (NULL, a)");
  mfree (NULL, v);
  stats_are (0, 0, "mfree (NULL, v)");

  /* Many blocks: the counts follow each one.  */
  held_chunks = held_bytes = 0;
  for (ok = 1, i = 0; i < N; i++)
    {
      uint64_t x = du_rand (&seed);
      many_size[i] = (x & 3) == 0 ? 1 + x % 70000 : 1 + x % 2000;
      many[i] = mmalloc (NULL, many_size[i]);
      if (many[i] == NULL)
	{
	  ok = 0;
	  break;
	}
      du_fill (many[i], many_size[i], 21, i);
      held_chunks++;
      held_bytes += mmalloc_usable_size (NULL, many[i]);
    }
  CHECK (ok, "%d blocks of 1..70000 bytes from the default heap", N);
  stats_are (held_chunks, held_bytes, "1000 allocations");
  for (i = 0; i < N; i += 2)
    if (many[i] != NULL)
      {
	held_bytes -= mmalloc_usable_size (NULL, many[i]);
	held_chunks--;
	mfree (NULL, many[i]);
	many[i] = NULL;
      }
  stats_are (held_chunks, held_bytes, "freeing every second block");
  CHECK (mmalloc_check (NULL) == 0, "mmalloc_check (NULL) after freeing "
	 "half of them: %s", mmalloc_check_message (NULL));
  for (ok = 1, i = 0; i < N; i++)
    if (many[i] != NULL)
      {
	ok &= du_verify (many[i], many_size[i], 21, i);
	mfree (NULL, many[i]);
      }
  CHECK (ok, "the other half kept their contents");
  stats_are (0, 0, "freeing all of them");

  errno = 0;
  CHECK (mmalloc_check (NULL) == 0 && errno == 0,
	 "mmalloc_check (NULL) == 0 at the end: %s",
	 mmalloc_check_message (NULL));
  CHECK (mmalloc_errno (NULL) == 0,
	 "mmalloc_errno (NULL) == 0: no system call failed (%d)",
	 mmalloc_errno (NULL));
  mmt_exit ();
}
