/* mmcheck.c -- scenario 18 (gnu-mmalloc.md 2.8): mmcheck / mmcheckf.
   - mmcheckf (md, f, 0) is 1 on a fresh heap, 0 after the first
     allocation, 1 with force, and 1 again on a heap already checked;
   - with checking on, a one-byte overrun, a one-byte underrun, a wrecked
     head, a double free and frees of foreign pointers (a stack address,
     an address inside a block, a block of another heap) each call the
     abort function exactly once (it returns), and the heap stays sound;
   - blocks allocated before a forced mmcheckf are freed (and resized)
     without any call;
   - a checked heap file attached again in other processes is still
     checked (mmcheckf (md, f, 0) == 1 after allocations, mmprobe works
     without calling mmcheckf), and its abort function is abort () until
     mmcheckf is called: an overrun kills that child with SIGABRT.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

/* Run ACTION's effect (already done by the caller) and check the abort
   function was called exactly WANT times since *MARK.  */
static void
expect_calls (int *mark, int want, const char *what)
{
  CHECK (aborts - *mark == want, "%s: the abort function was called %d "
	 "time(s) (want %d)", what, aborts - *mark, want);
  *mark = aborts;
}

static void
expect_sound (void *md, const char *what)
{
  errno = 0;
  CHECK (mmalloc_check (md) == 0, "%s: mmalloc_check == 0 afterwards%s%s",
	 what, mmalloc_check_message (md)[0] ? ": " : "",
	 mmalloc_check_message (md));
}

static char heapname[64];

/* The first process after the creator: checking is still on.  */
static int
reattach_child (void)
{
  int fd = open (heapname, O_RDWR);
  void *md;
  char *old, *p;

  if (fd < 0)
    mmt_fatal ("child: open: %s", strerror (errno));
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    mmt_fatal ("child: mmalloc_attach: %s", strerror (errno));
  old = mmalloc_getkey (md, 0);
  CHECK (old != NULL && strcmp (old, "checked") == 0,
	 "child: the block of the creating process is there");
  CHECK (mmprobe (md, old) == MMPROBE_OK, "child: checking is on at attach "
	 "(mmprobe of the old block is MMPROBE_OK, got %d)",
	 (int) mmprobe (md, old));
  CHECK (mmcheckf (md, count_abort, 0) == 1, "child: mmcheckf (md, f, 0) "
	 "is 1 on the used, re-attached checked heap");
  p = mmalloc (md, 40);
  if (p == NULL)
    mmt_fatal ("child: mmalloc failed");
  p[40] = 'x';
  aborts = 0;
  mfree (md, p);
  CHECK (aborts == 1, "child: an overrun calls the new abort function once "
	 "(%d calls)", aborts);
  expect_sound (md, "child: overrun");
  aborts = 0;
  old = mmalloc_getkey (md, 0);
  CHECK (mmprobe (md, old) == MMPROBE_OK, "child: the old block is still "
	 "sound");
  CHECK (mmalloc_detach (md) == NULL, "child: detach");
  close (fd);
  return mmt_failures != 0;
}

/* A later process: overrun without calling mmcheckf: abort ().  */
static int
abort_child (void)
{
  int fd = open (heapname, O_RDWR);
  void *md;
  char *p;

  if (fd < 0)
    mmt_fatal ("abort child: open: %s", strerror (errno));
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    mmt_fatal ("abort child: mmalloc_attach: %s", strerror (errno));
  p = mmalloc (md, 50);
  if (p == NULL)
    mmt_fatal ("abort child: mmalloc failed");
  CHECK (mmprobe (md, p) == MMPROBE_OK, "abort child: a new block is "
	 "checked without calling mmcheckf (mmprobe %d)",
	 (int) mmprobe (md, p));
  p[50] = 'y';
  mmt_note ("abort child: freeing an overrun block; abort () expected");
  mfree (md, p);
  return 3;			/* abort () did not happen */
}

/* Last: the heap file is still sound after the aborted process.  */
static int
final_child (void)
{
  int fd = open (heapname, O_RDWR);
  void *md;
  char *old;

  alarm (20);			/* a lock left behind must not hang us */
  if (fd < 0)
    mmt_fatal ("final child: open: %s", strerror (errno));
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    mmt_fatal ("final child: mmalloc_attach: %s", strerror (errno));
  expect_sound (md, "final child: heap file after a process aborted in it");
  old = mmalloc_getkey (md, 0);
  CHECK (old != NULL && mmprobe (md, old) == MMPROBE_OK,
	 "final child: the first block is intact");
  mmalloc_detach (md);
  close (fd);
  return mmt_failures != 0;
}

static void
run_child (const char *what, int (*fn) (void), int want)
{
  pid_t pid = mmt_fork ();
  int st;

  if (pid < 0)
    mmt_fatal ("fork: %s", strerror (errno));
  if (pid == 0)
    {
      mmt_failures = 0;		/* the child's own results only */
      mmt_child_exit (fn ());
    }
  st = mmt_wait (pid);
  CHECK (st == want, "%s (status %d, want %d)", what, st, want);
}

int
main (void)
{
  void *md, *md2, *other;
  char *p, *q, *pre, *prebig, *inner;
  char local[64];
  int mark = 0, fd;

  /* mmcheckf's rules.  */
  md = mmalloc_attach (-1, NULL);
  md2 = mmalloc_attach (-1, NULL);
  other = mmalloc_attach (-1, NULL);
  if (md == NULL || md2 == NULL || other == NULL)
    mmt_fatal ("mmalloc_attach (-1, NULL): %s", strerror (errno));
  CHECK (mmcheckf (md, count_abort, 0) == 1,
	 "mmcheckf (md, f, 0) == 1 on a fresh heap");
  pre = mmalloc (md2, 100);
  prebig = mmalloc (md2, 100000);
  if (pre == NULL || prebig == NULL)
    mmt_fatal ("mmalloc failed");
  memset (pre, 'a', 100);
  memset (prebig, 'b', 100000);
  CHECK (mmcheckf (md2, count_abort, 0) == 0,
	 "mmcheckf (md, f, 0) == 0 after the first allocation");
  CHECK (mmprobe (md2, pre) == MMPROBE_DISABLED,
	 "a refused mmcheckf leaves checking off (mmprobe: disabled)");
  CHECK (mmcheckf (md2, count_abort, 1) == 1,
	 "mmcheckf (md, f, 1) == 1 after the first allocation");
  CHECK (mmcheckf (md2, count_abort, 0) == 1,
	 "mmcheckf (md, f, 0) == 1 once checking is on");
  CHECK (mmprobe (md2, pre) == MMPROBE_OK,
	 "a block from before a forced mmcheckf probes as OK");

  /* Blocks from before the forced mmcheckf: freed and resized without
     any call.  */
  q = mrealloc (md2, pre, 3000);
  CHECK (q != NULL && q[0] == 'a' && q[99] == 'a',
	 "mrealloc of a block from before checking keeps its contents");
  expect_calls (&mark, 0, "mrealloc of a block from before checking");
  mfree (md2, q);
  mfree (md2, prebig);
  expect_calls (&mark, 0, "mfree of blocks from before checking");
  expect_sound (md2, "blocks from before checking freed");

  /* Clean use of a checked heap calls nothing.  */
  {
    static const size_t sizes[] = { 1, 15, 16, 17, 100, 4000, 4096,
				     16384, 100000, 3000000 };
    char *b[sizeof sizes / sizeof sizes[0]];
    size_t i;
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
      {
	b[i] = mmalloc (md, sizes[i]);
	if (b[i] == NULL)
	  mmt_fatal ("mmalloc (md, %zu) failed", sizes[i]);
	memset (b[i], 'c', sizes[i]);
      }
    b[0] = mrealloc (md, b[0], 500);
    b[1] = mrealloc (md, b[1], 5);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
      mfree (md, b[i]);
    p = mcalloc (md, 10, 10);
    q = mmemalign (md, 256, 300);
    CHECK (q != NULL && (uintptr_t) q % 256 == 0,
	   "mmemalign (md, 256, 300) on a checked heap is aligned");
    mfree (md, p);
    mfree (md, q);
    q = mvalloc (md, 10);
    CHECK (q != NULL && (uintptr_t) q % (uintptr_t) getpagesize () == 0,
	   "mvalloc on a checked heap is page-aligned");
    mfree (md, q);
  }
  expect_calls (&mark, 0, "clean allocations and frees on a checked heap");
  CHECK (mmcheckf (md, count_abort, 0) == 1,
	 "mmcheckf (md, f, 0) == 1 on a checked heap after allocations");

  /* A one-byte overrun.  */
  p = mmalloc (md, 100);
  p[100] = 0;
  mfree (md, p);
  expect_calls (&mark, 1, "one-byte overrun of a 100-byte block");
  expect_sound (md, "one-byte overrun");
  p = mmalloc (md, 100000);
  p[100000] = 0;
  mfree (md, p);
  expect_calls (&mark, 1, "one-byte overrun of a 100000-byte block");
  expect_sound (md, "one-byte overrun of a large block");
  p = mmalloc (md, 100);
  p[100] = 0;
  q = mrealloc (md, p, 200);
  expect_calls (&mark, 1, "mrealloc of an overrun block");
  mfree (md, q);
  expect_calls (&mark, 0, "mfree of the block mrealloc returned");
  expect_sound (md, "mrealloc of an overrun block");

  /* Writing before the block.  */
  p = mmalloc (md, 100);
  p[-1] ^= 0x5a;
  mfree (md, p);
  expect_calls (&mark, 1, "one-byte underrun (p[-1] changed)");
  expect_sound (md, "one-byte underrun");
  p = mmalloc (md, 100);
  memset (p - 16, 0xa5, 16);
  mfree (md, p);
  expect_calls (&mark, 1, "wrecked head (16 bytes before the block)");
  expect_sound (md, "wrecked head");
  p = mmalloc (md, 100000);
  memset (p - 16, 0xa5, 16);
  mfree (md, p);
  expect_calls (&mark, 1, "wrecked head of a 100000-byte block");
  expect_sound (md, "wrecked head of a large block");

  /* Double frees.  */
  p = mmalloc (md, 100);
  q = mmalloc (md, 100);	/* keeps the run alive */
  mfree (md, p);
  expect_calls (&mark, 0, "first free");
  mfree (md, p);
  expect_calls (&mark, 1, "double free of a small block");
  expect_sound (md, "double free of a small block");
  p = mmalloc (md, 100);
  {
    char *r = mmalloc (md, 100);
    CHECK (p != NULL && r != NULL && p != r && p != q && r != q,
	   "after a double free, new blocks are distinct");
    mfree (md, r);
  }
  mfree (md, p);
  mfree (md, q);
  p = mmalloc (md, 100000);
  q = mmalloc (md, 100000);	/* keeps the run off the top */
  mfree (md, p);
  mfree (md, p);
  expect_calls (&mark, 1, "double free of a large block");
  expect_sound (md, "double free of a large block");
  mfree (md, q);
  expect_calls (&mark, 0, "free of its neighbour");

  /* Foreign pointers.  */
  mfree (md, local + 16);
  expect_calls (&mark, 1, "mfree of a stack address");
  expect_sound (md, "mfree of a stack address");
  p = mmalloc (md, 100);
  inner = p + 32;
  mfree (md, inner);
  expect_calls (&mark, 1, "mfree of an address inside a block");
  expect_sound (md, "mfree of an address inside a block");
  CHECK (mmprobe (md, p) == MMPROBE_OK, "the block itself is still live");
  mfree (md, p);
  expect_calls (&mark, 0, "mfree of that block");
  p = mmalloc (md, 100000);
  mfree (md, p + 4096);
  expect_calls (&mark, 1, "mfree of an address inside a large block");
  mfree (md, p);
  expect_calls (&mark, 0, "mfree of that large block");
  q = mmalloc (other, 100);
  memset (q, 'o', 100);
  mfree (md, q);
  expect_calls (&mark, 1, "mfree of a block of another heap");
  expect_sound (md, "mfree of a block of another heap");
  expect_sound (other, "the other heap");
  CHECK (mmalloc_usable_size (other, q) >= 100 && q[99] == 'o',
	 "the other heap's block is untouched");
  {
    struct mstats s = mmstats (other);
    CHECK (s.chunks_used == 1, "the other heap still counts its block");
  }

  /* The abort function may be changed; NULL means abort () (not
     exercised here: see the children below).  */
  mmalloc_detach (md);
  mmalloc_detach (md2);
  mmalloc_detach (other);

  /* Re-attaching a checked heap file in other processes.  */
  snprintf (heapname, sizeof heapname, "check-mmcheck-%ld.heap",
	    (long) getpid ());
  unlink (heapname);
  fd = open (heapname, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    mmt_fatal ("open %s: %s", heapname, strerror (errno));
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    mmt_fatal ("mmalloc_attach (%s): %s", heapname, strerror (errno));
  CHECK (mmcheckf (md, count_abort, 0) == 1,
	 "mmcheckf on a fresh heap file");
  p = mmalloc (md, 32);
  strcpy (p, "checked");
  mmalloc_setkey (md, 0, p);
  CHECK (mmalloc_detach (md) == NULL, "detach the checked heap file");
  close (fd);

  run_child ("a process attaching the checked heap file ended normally",
	     reattach_child, 0);
  run_child ("an overrun in a process that did not call mmcheckf dies by "
	     "SIGABRT", abort_child, 128 + SIGABRT);
  run_child ("a process attaching it afterwards ended normally",
	     final_child, 0);
  unlink (heapname);
  mmt_exit ();
}
