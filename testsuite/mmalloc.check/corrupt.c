/* corrupt.c -- issue 4's acceptance matrix: five corruptions made on
   purpose -- a one-byte overrun, a one-byte underrun, a double free, a
   foreign pointer (a stack address, an address inside a block, a block
   of another heap) and a write after free -- on blocks of 100, 16000
   and 100000 bytes, each seen as the manual documents it:
   - mmprobe before the damage is reported: TAIL, HEAD, FREE, HEAD and
     FREE respectively, without calling the abort function;
   - the operation that meets the damage (mfree, mrealloc, or for a
     write after free the allocation that reuses the block) calls the
     user abort function exactly once, and each further operation on the
     damaged pointer exactly once more;
   - mmalloc_check never calls it, is 0 once the damage was reported,
     and -1 (EUCLEAN, "after free") for a write after free found before
     the block is reused.
   The matrix runs on an anonymous heap, on a heap file, and in another
   process that attaches the checked heap file and calls mmcheckf (md, f,
   0), which must return 1 (checking survived the re-attach).  In a
   process that attaches it without calling mmcheckf, each corruption
   ends the process with SIGABRT (the abort function is abort again).
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

enum kind { OVERRUN, UNDERRUN, DOUBLE_FREE, FOREIGN, AFTER_FREE, NKINDS };

static const char *const kind_name[NKINDS] = {
  "one-byte overrun", "one-byte underrun", "double free",
  "foreign pointer", "write after free"
};

static const size_t sizes[] = { 100, 16000, 100000 };
#define NSIZES (sizeof sizes / sizeof sizes[0])

static int aborts;
static const char *where = "";	/* prefix of every result */
static char cur[80];		/* the corruption and size at hand */
static void *other;		/* another heap, for foreign pointers */

static void
count_abort (void)
{
  aborts++;
}

static const char *
pname (enum mmprobe_status s)
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

/* mmprobe of P is WANT, and calls nothing.  */
static void
probe (void *md, void *p, enum mmprobe_status want, const char *what)
{
  int mark = aborts;
  enum mmprobe_status got = mmprobe (md, p);

  CHECK (got == want && aborts == mark, "%s: %s: %s: mmprobe %s (want %s), "
	 "%d calls", where, cur, what, pname (got), pname (want),
	 aborts - mark);
}

/* mmalloc_check of MD gives WANT (0, or -1 with EUCLEAN and a message
   containing SAYS), and calls nothing.  */
static void
check (void *md, int want, const char *says, const char *what)
{
  int mark = aborts, rc, e;
  const char *msg;

  errno = 0;
  rc = mmalloc_check (md);
  e = errno;
  msg = mmalloc_check_message (md);
  if (want == 0)
    CHECK (rc == 0 && aborts == mark, "%s: %s: %s: mmalloc_check == 0, "
	   "no call (rc %d, %d calls, \"%s\")", where, cur, what, rc,
	   aborts - mark, msg);
  else
    CHECK (rc == -1 && e == EUCLEAN && strstr (msg, says) != NULL
	   && aborts == mark, "%s: %s: %s: mmalloc_check == -1, EUCLEAN, "
	   "\"...%s...\", no call (rc %d, errno %d, %d calls, \"%s\")",
	   where, cur, what, says, rc, e, aborts - mark, msg);
}

/* The abort function was called WANT times since *MARK.  */
static void
calls (int *mark, int want, const char *what)
{
  CHECK (aborts - *mark == want, "%s: %s: %s: %d call(s) of the abort "
	 "function (want %d)", where, cur, what, aborts - *mark, want);
  *mark = aborts;
}

/* Corruption K on a block of SIZE bytes of checked heap MD.  */
static void
one (void *md, enum kind k, size_t size)
{
  char local[64];
  char *before, *p, *after, *q;
  int mark;

  const char *what = "the damage";

  snprintf (cur, sizeof cur, "%s, %zu bytes", kind_name[k], size);
  before = mmalloc (md, size);	/* neighbours keep P's run in place */
  p = mmalloc (md, size);
  after = mmalloc (md, size);
  if (before == NULL || p == NULL || after == NULL)
    mmt_fatal ("%s: %s: mmalloc failed", where, cur);
  memset (p, 'p', size);
  mark = aborts;
  switch (k)
    {
    case OVERRUN:
      p[size] = 'x';
      probe (md, p, MMPROBE_TAIL, what);
      mfree (md, p);
      calls (&mark, 1, what);
      probe (md, p, MMPROBE_FREE, "after its mfree");
      check (md, 0, "", what);
      break;

    case UNDERRUN:
      p[-1] ^= 0x40;
      probe (md, p, MMPROBE_HEAD, what);
      mfree (md, p);
      calls (&mark, 1, what);
      check (md, 0, "", what);
      mfree (md, p);		/* still damaged: reported again */
      calls (&mark, 1, "the same block freed again");
      break;

    case DOUBLE_FREE:
      mfree (md, p);
      calls (&mark, 0, "the first free");
      probe (md, p, MMPROBE_FREE, what);
      mfree (md, p);
      calls (&mark, 1, what);
      check (md, 0, "", what);
      q = mrealloc (md, p, 10);
      CHECK (q == NULL, "%s: %s: mrealloc of the freed block gives NULL",
	     where, cur);
      calls (&mark, 1, "mrealloc of the freed block");
      q = mmalloc (md, size);
      CHECK (q != NULL && q != before && q != after, "%s: %s: a new block "
	     "is none of the live ones", where, cur);
      calls (&mark, 0, "the next allocation");
      mfree (md, q);
      break;

    case FOREIGN:
      probe (md, local + 16, MMPROBE_HEAD, "a stack address");
      mfree (md, local + 16);
      calls (&mark, 1, "mfree of a stack address");
      probe (md, p + 32, MMPROBE_HEAD, what);
      mfree (md, p + 32);
      calls (&mark, 1, "mfree of an address inside a block");
      q = mrealloc (md, p + 32, 10);
      CHECK (q == NULL, "%s: %s: mrealloc of an address inside a block "
	     "gives NULL", where, cur);
      calls (&mark, 1, "mrealloc of an address inside a block");
      q = mmalloc (other, size);
      if (q == NULL)
	mmt_fatal ("mmalloc (other) failed");
      memset (q, 'o', size);
      probe (md, q, MMPROBE_HEAD, "a block of another heap");
      mfree (md, q);
      calls (&mark, 1, "mfree of a block of another heap");
      CHECK (q[0] == 'o' && q[size - 1] == 'o'
	     && mmalloc_usable_size (other, q) >= size, "%s: %s: the other "
	     "heap's block is untouched", where, cur);
      mfree (other, q);
      probe (md, p, MMPROBE_OK, "the block itself");
      check (md, 0, "", what);
      mfree (md, p);
      calls (&mark, 0, "mfree of the block itself");
      break;

    case AFTER_FREE:
      mfree (md, p);
      calls (&mark, 0, "the free");
      p[size / 2] ^= 0x21;
      probe (md, p, MMPROBE_FREE, what);
      check (md, -1, "after free", what);
      {
	char *got[64];
	int n = 0;
	do
	  {
	    q = mmalloc (md, size);
	    if (q == NULL)
	      mmt_fatal ("%s: %s: mmalloc failed", where, cur);
	    if (q != p)
	      got[n++] = q;
	  }
	while (q != p && n < 64);
	CHECK (q == p, "%s: %s: the block is handed out again", where, cur);
	calls (&mark, 1, "the allocation that reuses the block");
	while (n > 0)
	  mfree (md, got[--n]);
      }
      check (md, 0, "", "once the block was reused");
      if (q == p)
	mfree (md, p);
      calls (&mark, 0, "freeing the reused block");
      break;

    case NKINDS:
      break;
    }
  mfree (md, before);
  mfree (md, after);
  calls (&mark, 0, "freeing the neighbours");
}

/* The whole matrix on checked heap MD.  */
static void
matrix (void *md)
{
  size_t i;
  int k;

  for (k = 0; k < NKINDS; k++)
    for (i = 0; i < NSIZES; i++)
      {
	/* The pattern of freed blocks is promised up to 16 KiB.  */
	if (k == AFTER_FREE && sizes[i] > 16384)
	  continue;
	one (md, (enum kind) k, sizes[i]);
      }
}

static char heapname[64];

static void *
attach_file (int *fdp, int flags)
{
  void *md;

  *fdp = open (heapname, O_RDWR | flags, 0600);
  if (*fdp < 0)
    mmt_fatal ("%s: open %s: %s", where, heapname, strerror (errno));
  md = mmalloc_attach (*fdp, NULL);
  if (md == NULL)
    mmt_fatal ("%s: mmalloc_attach (%s): %s", where, heapname,
	       strerror (errno));
  return md;
}

/* A process that attaches the checked heap file and calls mmcheckf.  */
static int
reattach_child (void)
{
  int fd;
  void *md;

  where = "re-attached";
  aborts = 0;
  md = attach_file (&fd, 0);
  CHECK (mmstats (md).chunks_used > 0, "re-attached: the heap has been "
	 "used (%zu blocks)", mmstats (md).chunks_used);
  CHECK (mmcheckf (md, count_abort, 0) == 1, "re-attached: mmcheckf (md, "
	 "f, 0) == 1 on the used heap: checking survived");
  matrix (md);
  mmalloc_detach (md);
  close (fd);
  return mmt_failures != 0;
}

/* A process that attaches it without mmcheckf and commits corruption
   K: abort () must end it.  */
static int
abort_child (enum kind k)
{
  char local[32];
  int fd;
  void *md;
  char *p, *keep, *q;

  where = "no mmcheckf";
  md = attach_file (&fd, 0);
  keep = mmalloc (md, 100);
  p = mmalloc (md, 100);
  if (keep == NULL || p == NULL)
    return 4;
  switch (k)
    {
    case OVERRUN:
      p[100] = 'x';
      mfree (md, p);
      break;
    case UNDERRUN:
      p[-1] ^= 0x40;
      mfree (md, p);
      break;
    case DOUBLE_FREE:
      mfree (md, p);
      mfree (md, p);
      break;
    case FOREIGN:
      mfree (md, local + 8);
      break;
    case AFTER_FREE:
      mfree (md, p);
      p[50] ^= 1;
      q = mmalloc (md, 100);
      (void) q;
      break;
    case NKINDS:
      break;
    }
  return 3;			/* abort () did not happen */
}

int
main (void)
{
  void *md;
  int fd, k;
  pid_t pid;

  other = mmalloc_attach (-1, NULL);
  md = mmalloc_attach (-1, NULL);
  if (md == NULL || other == NULL)
    mmt_fatal ("mmalloc_attach (-1, NULL): %s", strerror (errno));
  if (mmcheckf (md, count_abort, 0) != 1)
    mmt_fatal ("mmcheckf refused on a fresh heap");
  where = "anonymous heap";
  matrix (md);
  mmalloc_detach (md);

  snprintf (heapname, sizeof heapname, "check-corrupt-%ld.heap",
	    (long) getpid ());
  unlink (heapname);
  where = "heap file";
  md = attach_file (&fd, O_CREAT | O_TRUNC);
  if (mmcheckf (md, count_abort, 0) != 1)
    mmt_fatal ("mmcheckf refused on a fresh heap file");
  matrix (md);
  mmalloc_setkey (md, 0, mmalloc (md, 10));	/* a used heap */
  mmalloc_detach (md);
  close (fd);

  pid = mmt_fork ();
  if (pid < 0)
    mmt_fatal ("fork: %s", strerror (errno));
  if (pid == 0)
    {
      mmt_failures = 0;
      mmt_child_exit (reattach_child ());
    }
  CHECK (mmt_wait (pid) == 0, "the process that re-attached the heap file "
	 "and ran the matrix ended normally");

  for (k = 0; k < NKINDS; k++)
    {
      pid = mmt_fork ();
      if (pid < 0)
	mmt_fatal ("fork: %s", strerror (errno));
      if (pid == 0)
	mmt_child_exit (abort_child ((enum kind) k));
      CHECK (mmt_wait (pid) == 128 + SIGABRT, "without mmcheckf after the "
	     "re-attach, a %s ends the process with SIGABRT", kind_name[k]);
    }
  unlink (heapname);
  mmt_exit ();
}
