/* sbrkfail.c -- the default heap when sbrk fails (DESIGN.md, "The three
   backends": it falls back to anonymous mappings).  Each case runs in a
   child process:
   - a mapping placed with MAP_FIXED_NOREPLACE right above the program
     break (after the default heap was created): 64 MiB in 1 MiB blocks,
     then one 40 MiB block, must all be served from anonymous memory,
     intact, with the mapping untouched and mmalloc_check (NULL) == 0;
   - RLIMIT_DATA set a little above the current data size: allocations
     succeed or fail with ENOMEM, never crash, and the heap stays sound
     and usable.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <mmalloc.h>
#include "mmtest.h"
#include "default-util.h"

#ifndef MAP_FIXED_NOREPLACE
# define MAP_FIXED_NOREPLACE 0x100000
#endif

#define MIB ((size_t) 1 << 20)
#define NBLOCKS 64
#define FENCE_LEN (4 * MIB)

static int
child_fence (void)
{
  char *brk, *want, *fence, *blocks[NBLOCKS], *huge;
  size_t i, served = 0, damaged = 0, inside = 0;
  long ps = sysconf (_SC_PAGESIZE);
  int e = 0;

  /* Create the default heap with a small allocation.  */
  {
    void *p = mmalloc (NULL, 16);
    if (p == NULL)
      mmt_fatal ("fence: mmalloc (NULL, 16) failed");
    mfree (NULL, p);
  }
  brk = sbrk (0);
  want = (char *) (((uintptr_t) brk + (uintptr_t) ps - 1)
		   & ~((uintptr_t) ps - 1));
  fence = mmap (want, FENCE_LEN, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (fence == MAP_FAILED || fence != want)
    {
      mmt_unsupported ("fence: cannot map right above the break (%s)",
		       fence == MAP_FAILED ? strerror (errno) : "moved");
      return 0;
    }
  du_fill (fence, FENCE_LEN, 77, 1);
  if (sbrk ((intptr_t) ps) != (void *) -1)
    {
      sbrk (-(intptr_t) ps);
      mmt_unsupported ("fence: sbrk still grows past the mapping");
      munmap (fence, FENCE_LEN);
      return 0;
    }
  mmt_note ("fence: break %p, mapping at %p", (void *) brk, (void *) fence);

  for (i = 0; i < NBLOCKS; i++)
    {
      errno = 0;
      blocks[i] = mmalloc (NULL, MIB);
      if (blocks[i] == NULL)
	{
	  e = errno;
	  continue;
	}
      served++;
      du_fill (blocks[i], MIB, 78, i);
      if (blocks[i] + MIB > fence && blocks[i] < fence + FENCE_LEN)
	inside++;
    }
  CHECK (served == NBLOCKS, "fence: 64 blocks of 1 MiB served although "
	 "sbrk fails (%zu served; last errno %s)", served,
	 e ? strerror (e) : "none");
  CHECK (inside == 0, "fence: no block overlaps the mapping above the "
	 "break (%zu do)", inside);
  CHECK (du_verify (fence, FENCE_LEN, 77, 1),
	 "fence: the mapping above the break is intact");
  CHECK (mmalloc_check (NULL) == 0, "fence: mmalloc_check (NULL) == 0: %s",
	 mmalloc_check_message (NULL));
  CHECK (mmalloc_errno (NULL) != 0,
	 "fence: mmalloc_errno (NULL) records the failed sbrk (%d)",
	 mmalloc_errno (NULL));

  huge = mmalloc (NULL, 40 * MIB);
  if (CHECK (huge != NULL, "fence: a 40 MiB block is served too"))
    {
      huge[0] = 1;
      huge[40 * MIB - 1] = 2;
      CHECK (!(huge + 40 * MIB > fence && huge < fence + FENCE_LEN),
	     "fence: the 40 MiB block does not overlap the mapping");
    }
  for (i = 0; i < NBLOCKS; i++)
    if (blocks[i] != NULL && !du_verify (blocks[i], MIB, 78, i))
      damaged++;
  CHECK (damaged == 0, "fence: the 1 MiB blocks kept their contents "
	 "(%zu damaged)", damaged);
  CHECK (du_verify (fence, FENCE_LEN, 77, 1),
	 "fence: the mapping is still intact after the big block");
  for (i = 0; i < NBLOCKS; i += 2)
    mfree (NULL, blocks[i]);
  mfree (NULL, huge);
  CHECK (mmalloc_check (NULL) == 0, "fence: mmalloc_check (NULL) == 0 "
	 "after frees: %s", mmalloc_check_message (NULL));
  for (damaged = 0, i = 1; i < NBLOCKS; i += 2)
    {
      if (blocks[i] != NULL && !du_verify (blocks[i], MIB, 78, i))
	damaged++;
      mfree (NULL, blocks[i]);
    }
  CHECK (damaged == 0, "fence: the other blocks were intact to the end");
  CHECK (mmalloc_check (NULL) == 0, "fence: mmalloc_check (NULL) == 0 at "
	 "the end: %s", mmalloc_check_message (NULL));
  munmap (fence, FENCE_LEN);
  return mmt_failures != 0;
}

/* VmData of this process in bytes, or 0.  */
static size_t
vm_data (void)
{
  FILE *f = fopen ("/proc/self/status", "r");
  char line[256];
  unsigned long kb = 0;

  if (f == NULL)
    return 0;
  while (fgets (line, sizeof line, f) != NULL)
    if (sscanf (line, "VmData: %lu kB", &kb) == 1)
      break;
  fclose (f);
  return (size_t) kb * 1024;
}

static int
child_rlimit (void)
{
  char *blocks[NBLOCKS];
  size_t i, served = 0, damaged = 0, data;
  int wrong_errno = 0, after_failure = 0;
  struct rlimit rl;

  {
    void *p = mmalloc (NULL, 16);
    if (p == NULL)
      mmt_fatal ("rlimit: mmalloc (NULL, 16) failed");
    mfree (NULL, p);
  }
  data = vm_data ();
  if (data == 0)
    {
      mmt_unsupported ("rlimit: VmData not readable");
      return 0;
    }
  rl.rlim_cur = rl.rlim_max = data + 16 * MIB;
  if (setrlimit (RLIMIT_DATA, &rl) != 0)
    {
      mmt_unsupported ("rlimit: setrlimit: %s", strerror (errno));
      return 0;
    }

  for (i = 0; i < NBLOCKS; i++)
    {
      errno = 0;
      blocks[i] = mmalloc (NULL, MIB);
      if (blocks[i] == NULL)
	{
	  after_failure = 1;
	  if (errno != ENOMEM)
	    wrong_errno++;
	  continue;
	}
      served++;
      du_fill (blocks[i], MIB, 79, i);
    }
  mmt_note ("rlimit: %zu of %d blocks served under RLIMIT_DATA", served,
	    NBLOCKS);
  CHECK (after_failure, "rlimit: the limit made some allocation fail");
  CHECK (wrong_errno == 0, "rlimit: every failure set errno ENOMEM "
	 "(%d did not)", wrong_errno);
  for (i = 0; i < NBLOCKS; i++)
    if (blocks[i] != NULL && !du_verify (blocks[i], MIB, 79, i))
      damaged++;
  CHECK (damaged == 0, "rlimit: the blocks served kept their contents");
  CHECK (mmalloc_check (NULL) == 0, "rlimit: mmalloc_check (NULL) == 0: %s",
	 mmalloc_check_message (NULL));
  for (i = 0; i < NBLOCKS; i++)
    mfree (NULL, blocks[i]);
  {
    char *p = mmalloc (NULL, MIB);
    CHECK (p != NULL, "rlimit: after freeing, 1 MiB is served again");
    if (p != NULL)
      {
	memset (p, 1, MIB);
	mfree (NULL, p);
      }
  }
  CHECK (mmalloc_check (NULL) == 0, "rlimit: mmalloc_check (NULL) == 0 at "
	 "the end: %s", mmalloc_check_message (NULL));
  return mmt_failures != 0;
}

static void
run (const char *name, int (*fn) (void))
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
  CHECK (st == 0, "%s: the child ended normally (status %d)", name, st);
}

int
main (void)
{
  run ("fence", child_fence);
  run ("rlimit", child_rlimit);
  mmt_exit ();
}
