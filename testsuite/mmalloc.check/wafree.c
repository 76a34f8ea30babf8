/* wafree.c -- a write after free on a checked heap (issue 4).  With
   checking on, a freed checked block of up to 16 KiB is filled with a
   pattern, so a write into it after free is found:
   - by mmalloc_check before the block is used again: -1, errno
     EUCLEAN, and a message that says "after free" (and no call of the
     abort function: mmalloc_check only reads);
   - by mmprobe, which still says MMPROBE_FREE for the freed pointer;
   - by the allocation that hands the block out again (mmalloc, mcalloc
     or the new block of an mrealloc): the abort function is called
     exactly once and the allocation succeeds (mcalloc's block is all
     zero); the heap is sound afterwards;
   - in another process that attaches the heap file afterwards.
   Blocks freed and left alone are never reported: small blocks carved
   from the pages of a freed large block or of emptied small runs of
   another size, and a random workload of sizes small and large.
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

static int aborts;

static void
count_abort (void)
{
  aborts++;
}

/* How many allocations of the same size may come before the freed
   block comes back.  The engine reuses a run's freed slot first, so one
   is enough today; a few more keep the test about detection, not about
   the order of reuse.  */
#define MAX_TRIES 64

/* Whether mmalloc_check of MD reports a write after free (and how).  */
static int
check_reports_waf (void *md, const char *what)
{
  int rc, e, mark = aborts;
  const char *msg;

  errno = 0;
  rc = mmalloc_check (md);
  e = errno;
  msg = mmalloc_check_message (md);
  CHECK (rc == -1 && e == EUCLEAN, "%s: mmalloc_check == -1, errno EUCLEAN "
	 "(rc %d, errno %d)", what, rc, e);
  CHECK (strstr (msg, "after free") != NULL, "%s: mmalloc_check_message "
	 "says \"after free\": \"%s\"", what, msg);
  CHECK (aborts == mark, "%s: mmalloc_check calls no abort function (%d "
	 "calls)", what, aborts - mark);
  return rc == -1 && e == EUCLEAN;
}

static void
expect_sound (void *md, const char *what)
{
  int rc;

  errno = 0;
  rc = mmalloc_check (md);
  CHECK (rc == 0, "%s: mmalloc_check == 0 (rc %d: \"%s\")", what, rc,
	 mmalloc_check_message (md));
}

/* Allocate blocks of SIZE bytes from MD (with mcalloc when ZERO) until
   P comes back; the others are freed.  Returns P's new block, or NULL
   (after a FAIL) when it never came back.  */
static char *
reuse (void *md, char *p, size_t size, int zero, const char *what)
{
  char *got[MAX_TRIES], *q = NULL;
  int i, n = 0, failed = 0;

  for (i = 0; i < MAX_TRIES; i++)
    {
      q = zero ? mcalloc (md, 1, size) : mmalloc (md, size);
      if (q == NULL)
	{
	  failed = 1;
	  break;
	}
      if (q == p)
	break;
      got[n++] = q;
      q = NULL;
    }
  CHECK (!failed, "%s: every allocation succeeds", what);
  CHECK (q == p, "%s: the damaged block is handed out again (after %d "
	 "other blocks)", what, n);
  while (n > 0)
    mfree (md, got[--n]);
  return q;
}

/* One write after free into a SIZE-byte block at offset OFF.  VIA says
   how it is found first: 'c' mmalloc_check then mmalloc, 'a' mmalloc
   straight away, 'z' mcalloc straight away.  */
static void
one (void *md, size_t size, size_t off, int via)
{
  char what[120];
  char *before, *p, *after, *q;
  int mark;

  snprintf (what, sizeof what, "%zu-byte block, byte %zu, found by %s",
	    size, off, via == 'c' ? "mmalloc_check, then mmalloc"
	    : via == 'a' ? "mmalloc" : "mcalloc");
  before = mmalloc (md, size);
  p = mmalloc (md, size);
  after = mmalloc (md, size);
  if (before == NULL || p == NULL || after == NULL)
    mmt_fatal ("%s: mmalloc failed", what);
  memset (p, 'L', size);
  mark = aborts;
  mfree (md, p);
  CHECK (aborts == mark, "%s: the free calls nothing", what);
  if (via == 'c')
    {
      char alone[160];
      snprintf (alone, sizeof alone, "%s, freed and left alone", what);
      expect_sound (md, alone);
      CHECK (mmprobe (md, p) == MMPROBE_FREE, "%s: mmprobe before the "
	     "write: MMPROBE_FREE", what);
    }

  p[off] ^= 0x5a;		/* the bug: a write after free */

  CHECK (mmprobe (md, p) == MMPROBE_FREE, "%s: mmprobe of the freed "
	 "pointer: MMPROBE_FREE (got %d)", what, (int) mmprobe (md, p));
  if (via == 'c')
    {
      char again[160];
      check_reports_waf (md, what);
      snprintf (again, sizeof again, "%s, checked twice", what);
      check_reports_waf (md, again);
    }
  CHECK (aborts == mark, "%s: nothing called before the block is reused",
	 what);
  q = reuse (md, p, size, via == 'z', what);
  CHECK (aborts - mark == 1, "%s: the allocation that hands the block out "
	 "again calls the abort function exactly once (%d calls)", what,
	 aborts - mark);
  if (q != NULL)
    {
      if (via == 'z')
	{
	  size_t i, nonzero = 0;
	  for (i = 0; i < size; i++)
	    nonzero += q[i] != 0;
	  CHECK (nonzero == 0, "%s: mcalloc's block is all zero (%zu bytes "
		 "are not)", what, nonzero);
	}
      CHECK (mmprobe (md, q) == MMPROBE_OK, "%s: the block handed out is "
	     "sound (mmprobe OK)", what);
      memset (q, 'N', size);
      expect_sound (md, what);
      mark = aborts;
      mfree (md, q);
      q = mmalloc (md, size);
      CHECK (aborts == mark && q != NULL, "%s: freeing and allocating it "
	     "again calls nothing", what);
      mfree (md, q);
    }
  mark = aborts;
  mfree (md, before);
  mfree (md, after);
  CHECK (aborts == mark, "%s: freeing its neighbours calls nothing", what);
}

/* Random allocations, resizes and frees that never touch a freed
   block: no call, and mmalloc_check stays 0.  */
static void
clean_workload (void *md, const char *what)
{
  enum { SLOTS = 200 };
  static char *slot[SLOTS];
  static size_t len[SLOTS];
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  int op, mark = aborts, unsound = 0;
  unsigned int k;

  for (op = 0; op < 6000; op++)
    {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      k = (unsigned int) (x % SLOTS);
      if (slot[k] == NULL || (x >> 32) % 4 == 0)
	{
	  size_t n = (x >> 40) % 16 == 0 ? 16385 + (x >> 20) % 100000
	    : 1 + (x >> 20) % 16384;
	  char *q = slot[k] == NULL ? mmalloc (md, n)
	    : mrealloc (md, slot[k], n);
	  if (q == NULL)
	    mmt_fatal ("%s: allocation of %zu bytes failed", what, n);
	  memset (q, (int) (op & 0x7f), n);	/* live blocks only */
	  slot[k] = q;
	  len[k] = n;
	}
      else
	{
	  mfree (md, slot[k]);
	  slot[k] = NULL;
	}
      if (op % 500 == 499 && mmalloc_check (md) != 0)
	{
	  if (unsound++ == 0)
	    mmt_note ("%s: after %d operations: %s", what, op + 1,
		      mmalloc_check_message (md));
	}
    }
  CHECK (aborts == mark, "%s: 6000 clean operations call nothing (%d "
	 "calls)", what, aborts - mark);
  CHECK (unsound == 0, "%s: mmalloc_check == 0 all along (%d times not)",
	 what, unsound);
  mark = aborts;
  for (k = 0; k < SLOTS; k++)
    {
      mfree (md, slot[k]);
      slot[k] = NULL;
      (void) len[k];
    }
  CHECK (aborts == mark, "%s: freeing everything calls nothing", what);
  expect_sound (md, what);
}

/* Small blocks carved from the pages of a freed large block (whose
   head said "free" when it was released) are new, not written after
   free: no call.  */
static void
recycled_pages (void *md, const char *what)
{
  char *keep = mmalloc (md, 100), *big = mmalloc (md, 100000);
  char *after = mmalloc (md, 100000), *p[200];
  int i, mark = aborts;

  if (keep == NULL || big == NULL || after == NULL)
    mmt_fatal ("%s: mmalloc failed", what);
  memset (big, 'b', 100000);
  mfree (md, big);
  for (i = 0; i < 200; i++)
    if ((p[i] = mmalloc (md, 1000)) == NULL)
      mmt_fatal ("%s: mmalloc (md, 1000) failed", what);
  CHECK (aborts == mark, "%s: 200 small blocks from the pages of a freed "
	 "100000-byte block call nothing (%d calls)", what, aborts - mark);
  expect_sound (md, what);
  mark = aborts;
  for (i = 0; i < 200; i++)
    mfree (md, p[i]);
  mfree (md, keep);
  mfree (md, after);
  CHECK (aborts == mark, "%s: freeing them calls nothing", what);
}

/* Small blocks of another size carved from the pages of emptied small
   runs: no call either.  */
static void
recycled_runs (void *md, const char *what)
{
  char *p[400];
  int i, mark = aborts;

  for (i = 0; i < 400; i++)
    if ((p[i] = mmalloc (md, 30)) == NULL)
      mmt_fatal ("%s: mmalloc (md, 30) failed", what);
  for (i = 0; i < 400; i++)
    mfree (md, p[i]);
  for (i = 0; i < 400; i++)
    if ((p[i] = mmalloc (md, 60)) == NULL)
      mmt_fatal ("%s: mmalloc (md, 60) failed", what);
  CHECK (aborts == mark, "%s: 400 blocks of 60 bytes where 400 blocks of "
	 "30 bytes were freed call nothing (%d calls)", what, aborts - mark);
  expect_sound (md, what);
  for (i = 0; i < 400; i++)
    mfree (md, p[i]);
}

static char heapname[64];

/* Another process attaches the heap file the parent left with a write
   after free in it.  */
static int
reattach_child (void)
{
  int fd = open (heapname, O_RDWR);
  void *md;
  char *p, *q;
  size_t size;

  if (fd < 0)
    mmt_fatal ("child: open: %s", strerror (errno));
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    mmt_fatal ("child: mmalloc_attach: %s", strerror (errno));
  p = mmalloc_getkey (md, 0);
  size = (size_t) (uintptr_t) mmalloc_getkey (md, 1);
  CHECK (mmcheckf (md, count_abort, 0) == 1, "child: checking is still on "
	 "(mmcheckf (md, f, 0) == 1 on the used heap)");
  CHECK (mmprobe (md, p) == MMPROBE_FREE, "child: mmprobe of the freed "
	 "block: MMPROBE_FREE");
  check_reports_waf (md, "child: heap file attached again");
  aborts = 0;
  q = reuse (md, p, size, 0, "child");
  CHECK (aborts == 1, "child: handing the damaged block out calls the "
	 "abort function once (%d calls)", aborts);
  if (q != NULL)
    mfree (md, q);
  expect_sound (md, "child: after the block was handed out");
  mmalloc_detach (md);
  close (fd);
  return mmt_failures != 0;
}

int
main (void)
{
  static const size_t sizes[] = { 1, 24, 100, 1000, 4000, 16000 };
  void *md;
  char *p, *keep;
  int fd, k;
  size_t i;
  pid_t pid;

  md = mmalloc_attach (-1, NULL);
  if (md == NULL)
    mmt_fatal ("mmalloc_attach (-1, NULL): %s", strerror (errno));
  if (mmcheckf (md, count_abort, 0) != 1)
    mmt_fatal ("mmcheckf on a fresh heap refused");

  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    {
      size_t n = sizes[i];
      one (md, n, 0, 'c');
      one (md, n, n / 2, 'a');
      one (md, n, n - 1, 'z');
    }
  mmalloc_detach (md);
  md = mmalloc_attach (-1, NULL);
  if (md == NULL || mmcheckf (md, count_abort, 0) != 1)
    mmt_fatal ("a second checked heap: %s", strerror (errno));
  recycled_pages (md, "pages of a freed large block");
  recycled_runs (md, "pages of emptied small runs");
  clean_workload (md, "anonymous heap");
  mmalloc_detach (md);

  /* A heap file: the damage is found in the next process too.  */
  snprintf (heapname, sizeof heapname, "check-wafree-%ld.heap",
	    (long) getpid ());
  unlink (heapname);
  fd = open (heapname, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    mmt_fatal ("open %s: %s", heapname, strerror (errno));
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    mmt_fatal ("mmalloc_attach (%s): %s", heapname, strerror (errno));
  if (mmcheckf (md, count_abort, 0) != 1)
    mmt_fatal ("mmcheckf on a fresh heap file refused");
  clean_workload (md, "heap file");
  keep = mmalloc (md, 300);
  p = mmalloc (md, 300);
  if (keep == NULL || p == NULL)
    mmt_fatal ("mmalloc failed");
  mmalloc_setkey (md, 0, p);
  mmalloc_setkey (md, 1, (void *) (uintptr_t) 300);
  mfree (md, p);
  p[150] = 'W';
  k = aborts;
  CHECK (mmalloc_detach (md) == NULL && aborts == k, "detaching a heap "
	 "file with a write after free in it calls nothing");
  close (fd);
  pid = mmt_fork ();
  if (pid < 0)
    mmt_fatal ("fork: %s", strerror (errno));
  if (pid == 0)
    {
      mmt_failures = 0;
      mmt_child_exit (reattach_child ());
    }
  CHECK (mmt_wait (pid) == 0, "the process that attached the heap file "
	 "ended normally");
  unlink (heapname);
  mmt_exit ();
}
