/* fulldisk.c -- a heap file that cannot grow: an error at allocation
   time, never a SIGBUS (DESIGN.md "checked file growth").
   Usage: fulldisk [file]
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.

   In a child process with RLIMIT_FSIZE at 4 MiB and SIGXFSZ ignored, a
   new heap file is filled with 64 KiB blocks (every byte written) until
   mmalloc returns NULL: errno is ENOSPC, EFBIG or ENOMEM, mmalloc_errno
   (md) is non-zero, the file stays within the limit, every block
   handed out is whole, and mmalloc_check is 0.  A huge request fails
   the same way.  After freeing some blocks, small and middle
   allocations that fit work again.  The child must exit normally (a
   SIGBUS would show as its death).  A second child does the same with
   blocks of 200 bytes (small-object runs).  */

#include "config.h"

#include <signal.h>
#include <sys/resource.h>

#include "alloc-common.h"

#define KiB ((size_t) 1024)
#define LIMIT ((rlim_t) 4 << 20)
#define MAXBLK 100000

static void *blk[MAXBLK];

static int
growth_errno (int e)
{
  return e == ENOSPC || e == EFBIG || e == ENOMEM || e == EDQUOT;
}

static void
child (size_t bsize, const char *tag)
{
  struct mma_heap H;
  struct rlimit rl;
  size_t n = 0, i, bad = 0;
  int e, me;
  struct stat st;

  signal (SIGXFSZ, SIG_IGN);
  rl.rlim_cur = rl.rlim_max = LIMIT;
  if (setrlimit (RLIMIT_FSIZE, &rl) != 0)
    mmt_fatal ("%s: setrlimit: %s", tag, strerror (errno));
  mma_open (&H, "file", tag);
  for (;;)
    {
      void *p;
      if (n == MAXBLK)
	mmt_fatal ("%s: more than %d blocks under a 4 MiB limit", tag, MAXBLK);
      errno = 0;
      p = mmalloc (H.md, bsize);
      if (p == NULL)
	break;
      /* Every byte: an unbacked page would raise SIGBUS here.  */
      mma_fill (p, bsize, (unsigned int) n);
      blk[n++] = p;
    }
  e = errno;
  me = mmalloc_errno (H.md);
  mmt_note ("%s: %zu blocks of %zu bytes before NULL (%s); mmalloc_errno %d "
	    "(%s)", tag, n, bsize, strerror (e), me, strerror (me));
  mma_why ("errno %s", strerror (e));
  CHECKW (growth_errno (e), "%s: the allocation that cannot grow the file "
	  "fails with ENOSPC, EFBIG or ENOMEM", tag);
  CHECK (me != 0, "%s: mmalloc_errno (md) is non-zero after the failure", tag);
  CHECK (n > 0, "%s: blocks were served up to the limit", tag);
  fstat (H.fd, &st);
  mma_why ("file size %lld", (long long) st.st_size);
  CHECKW (st.st_size <= (off_t) LIMIT, "%s: the file stays within the limit",
	  tag);
  for (i = 0; i < n; i++)
    if (!mma_verify (blk[i], bsize, (unsigned int) i))
      bad++;
  mma_why ("%zu bad", bad);
  CHECKW (bad == 0, "%s: every block served is whole", tag);
  mma_check_heap (H.md, bsize > 1000 ? "after the failed growth (64 KiB)"
		  : "after the failed growth (200 bytes)");
  {
    volatile size_t big = (size_t) 100 << 20;
    void *p;
    errno = 0;
    p = mma_mmalloc (H.md, big);
    e = errno;
    mma_why ("got %p, errno %s", p, strerror (e));
    CHECKW (p == NULL && growth_errno (e), "%s: a 100 MiB block fails with "
	    "ENOSPC, EFBIG or ENOMEM", tag);
    errno = 0;
    p = mma_mmalloc (H.md, 2 * 1024 * KiB);
    e = errno;
    mma_why ("got %p, errno %s", p, strerror (e));
    CHECKW (p == NULL && growth_errno (e), "%s: a 2 MiB block fails with "
	    "ENOSPC, EFBIG or ENOMEM", tag);
  }
  /* Free every other block: what fits works again.  */
  for (i = 0; i < n; i += 2)
    {
      mfree (H.md, blk[i]);
      blk[i] = NULL;
    }
  {
    size_t got = 0, want = n / 2 < 8 ? n / 2 : 8;
    for (i = 0; i < want; i++)
      {
	void *p = mmalloc (H.md, bsize);
	if (p != NULL)
	  {
	    memset (p, 0x33, bsize);
	    got++;
	    blk[2 * i] = p;
	  }
      }
    mma_why ("%zu of %zu", got, want);
    CHECKW (got == want, "%s: after freeing, blocks of the same size fit "
	    "again", tag);
    got = 0;
    for (i = 0; i < 20; i++)
      {
	void *p = mmalloc (H.md, 40);
	if (p != NULL)
	  {
	    memset (p, 0x44, 40);
	    got++;
	  }
      }
    mma_why ("%zu of 20", got);
    CHECKW (got == 20 || bsize < 1000, "%s: small blocks fit after freeing "
	    "large ones", tag);
  }
  for (i = 1; i < n; i += 2)
    if (!mma_verify (blk[i], bsize, (unsigned int) i))
      bad++;
  CHECK (bad == 0, "%s: the blocks kept are intact", tag);
  mma_check_heap (H.md, bsize > 1000 ? "at the end (64 KiB)"
		  : "at the end (200 bytes)");
  CHECK (mmalloc_detach (H.md) == NULL, "%s: mmalloc_detach returns NULL",
	 tag);
  close (H.fd);
  unlink (H.path);
  mmt_child_exit (0);
}

int
main (int argc, char **argv)
{
  static const size_t sizes[] = { 64 * KiB, 200 };
  static const char *const tags[] = { "fulldisk-64k", "fulldisk-200" };
  size_t k;

  (void) argc;
  (void) argv;
  for (k = 0; k < 2; k++)
    {
      pid_t pid = mmt_fork ();
      int st;
      if (pid < 0)
	mmt_fatal ("fork: %s", strerror (errno));
      if (pid == 0)
	child (sizes[k], tags[k]);
      st = mmt_wait (pid);
      mma_why ("status %d", st);
      CHECKW (st == 0, "%s: the child exits normally (no SIGBUS, no crash)",
	      tags[k]);
      if (st != 0)
	{
	  /* Remove the file the dead child left behind.  */
	  char path[256];
	  snprintf (path, sizeof path, "%s-%ld.heap", tags[k], (long) pid);
	  unlink (path);
	}
    }
  mmt_exit ();
}
