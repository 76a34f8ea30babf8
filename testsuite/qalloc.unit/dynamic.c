/* dynamic.c -- qalloc.md section 6, C13-C18: dynamic maps.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include "qtest.h"

#define MiB ((off_t) 1 << 20)

struct range
{
  uintptr_t lo, hi;
};

static int
cmp_range (const void *a, const void *b)
{
  return qt_cmp_ptr (&((const struct range *) a)->lo,
		     &((const struct range *) b)->lo);
}

/* Number of overlapping neighbours among N ranges (sorts them).  */
static size_t
overlaps (struct range *r, size_t n)
{
  size_t i, k = 0;

  qsort (r, n, sizeof *r, cmp_range);
  for (i = 1; i < n; i++)
    k += r[i].lo < r[i - 1].hi;
  return k;
}

static unsigned long rng = 12345;

static unsigned long
rnd (void)
{
  rng = rng * 6364136223846793005ul + 1442695040888963407ul;
  return rng >> 33;
}

static void
c13_c14_c17_c18 (const char *path)
{
  static const size_t sizes[] = { 1, 8, 64, 65, 1000, 2048, 2049, 4096,
    8192, 14336, 14337, 65536 };
  size_t ns = sizeof sizes / sizeof sizes[0], i, bad, misaligned;
  struct range r[3000];
  void *p[3000];
  void *m = qalloc_makedynmap (4 * MiB, NULL, path, 3);

  if (m == NULL)
    mmt_fatal ("makedynmap: %s", strerror (errno));

  /* C13 */
  for (i = 0, bad = 0; i < ns; i++)
    {
      p[i] = qalloc_dynmalloc (m, sizes[i]);
      if (p[i] == NULL)
	{
	  bad++;
	  continue;
	}
      qt_fill (p[i], sizes[i], i);
      r[i].lo = (uintptr_t) p[i];
      r[i].hi = (uintptr_t) p[i] + sizes[i];
    }
  CHECK (bad == 0, "C13: every size from 1 to 65536 is served");
  for (i = 0; i < ns; i++)
    bad += p[i] != NULL && !qt_check_fill (p[i], sizes[i], i);
  CHECK (bad == 0 && overlaps (r, ns) == 0,
	 "C13: every byte is writable, no two blocks overlap");
  for (i = 0; i < ns; i++)
    qalloc_dynfree (p[i], m);

  /* C14: 3,000 allocations alternating small and big.  */
  for (i = 0, bad = 0, misaligned = 0; i < 3000; i++)
    {
      size_t n = i % 3 == 0 ? 1000 : 40;
      p[i] = qalloc_dynmalloc (m, n);
      if (p[i] == NULL)
	mmt_fatal ("C14: allocation %zu failed: %s", i, strerror (errno));
      qt_fill (p[i], n, i + 1000);
      r[i].lo = (uintptr_t) p[i];
      r[i].hi = r[i].lo + n;
      misaligned += (uintptr_t) p[i] % 16 != 0;
    }
  for (i = 0; i < 3000; i++)
    bad += !qt_check_fill (p[i], i % 3 == 0 ? 1000 : 40, i + 1000);
  CHECK (bad == 0, "C14: 3,000 mixed blocks keep their patterns");
  CHECK (overlaps (r, 3000) == 0, "C14: no two of them overlap");
  CHECK (misaligned == 0, "C17: dynamic blocks are aligned on 16 bytes");

  /* C15, first part: free half (small and big, old and new), allocate
     again, verify everything.  */
  for (i = 0; i < 3000; i += 2)
    qalloc_dynfree (p[i], m);
  for (i = 0; i < 3000; i += 2)
    {
      size_t n = i % 3 == 0 ? 1000 : 40;
      p[i] = qalloc_dynmalloc (m, n);
      if (p[i] == NULL)
	mmt_fatal ("C15: reallocation %zu failed", i);
      qt_fill (p[i], n, i + 7000);
    }
  for (i = 0, bad = 0; i < 3000; i++)
    bad += !qt_check_fill (p[i], i % 3 == 0 ? 1000 : 40,
			   i % 2 == 0 ? i + 7000 : i + 1000);
  CHECK (bad == 0, "C15: after freeing half and allocating again, all"
	 " patterns are intact");
  for (i = 0; i < 3000; i++)
    qalloc_free (p[i], m);

  /* C18: qalloc_malloc / qalloc_free dispatch to the dynamic calls.  */
  {
    void *a = qalloc_malloc (m, 200), *b;
    qt_fill (a, 200, 5);
    qalloc_free (a, m);
    b = qalloc_dynmalloc (m, 200);
    CHECK (a != NULL && b == a,
	   "C18: qalloc_malloc/qalloc_free on a dynamic map are"
	   " dynmalloc/dynfree");
    qalloc_dynfree (b, m);
  }
  CHECK (qalloc_dynmalloc (m, 0) == NULL, "dynmalloc of 0 bytes gives NULL");
  qalloc_dynfree (NULL, m);
  mmt_pass ("dynfree (NULL) does nothing");
  errno = 0;
  CHECK (qalloc_dynmalloc (NULL, 8) == NULL && errno == EINVAL,
	 "dynmalloc (NULL map) gives EINVAL");
  qalloc_cleanup ();
}

/* C15, second part: 10^5 random operations against a shadow copy, on a
   map that cannot grow: a leak would end in NULL.  */
static void
c15_random (const char *path)
{
  enum { SLOTS = 400 };
  static void *p[SLOTS];
  static size_t len[SLOTS];
  static unsigned long seed[SLOTS];
  size_t i, fails = 0, bad = 0;
  void *m = qalloc_makedynmap (4 * MiB, NULL, path, 2);

  if (m == NULL)
    mmt_fatal ("makedynmap: %s", strerror (errno));
  for (i = 0; i < 100000; i++)
    {
      size_t k = rnd () % SLOTS;
      if (p[k] != NULL)
	{
	  bad += !qt_check_fill (p[k], len[k], seed[k]);
	  qalloc_dynfree (p[k], m);
	  p[k] = NULL;
	}
      else
	{
	  len[k] = rnd () % 5 == 0 ? 1 + rnd () % 20000 : 1 + rnd () % 300;
	  seed[k] = i;
	  p[k] = qalloc_dynmalloc (m, len[k]);
	  if (p[k] == NULL)
	    fails++;
	  else
	    qt_fill (p[k], len[k], seed[k]);
	}
    }
  for (i = 0; i < SLOTS; i++)
    if (p[i] != NULL)
      bad += !qt_check_fill (p[i], len[i], seed[i]);
  CHECK (bad == 0, "C15: 10^5 random operations: every block intact");
  CHECK (fails == 0, "C15: a steady working set never exhausts the map"
	 " (%zu failures)", fails);
  qalloc_cleanup ();
}

/* C16: exhaustion ends in NULL, everything inside the file, and the
   capacity holds at least FILESIZE bytes of requests.  */
static void
c16 (const char *path, size_t req)
{
  off_t f = 1 * MiB;
  void *m = qalloc_makedynmap (f, NULL, path, 1);
  uintptr_t base, hi = 0;
  size_t n = 0;
  void *p;
  int e;

  if (m == NULL)
    mmt_fatal ("makedynmap: %s", strerror (errno));
  errno = 0;
  while ((p = qalloc_dynmalloc (m, req)) != NULL)
    {
      n++;
      if ((uintptr_t) p + req > hi)
	hi = (uintptr_t) p + req;
    }
  e = errno;
  base = qt_map_base (path);
  CHECK (e == ENOMEM, "C16: %zu-byte requests end with ENOMEM (%s)",
	 req, strerror (e));
  CHECK (n * req >= (size_t) f,
	 "C16: a 1 MiB map holds at least 1 MiB of %zu-byte requests (%zu)",
	 req, n * req);
  CHECK (base != 0 && hi <= base + (uintptr_t) qt_file_size (path),
	 "C16: every %zu-byte block lies inside the file", req);
  qalloc_cleanup ();
}

int
main (void)
{
  char *path = qt_path ("dynamic", "c");

  c13_c14_c17_c18 (path);
  unlink (path);
  c15_random (path);
  unlink (path);
  c16 (path, 2048);
  unlink (path);
  c16 (path, 40);
  unlink (path);
  free (path);
  mmt_exit ();
}
