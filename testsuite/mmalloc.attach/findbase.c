/* findbase.c -- mmalloc_findbase and mmalloc_errno (gnu-mmalloc.md
   section 7, scenario 19): findbase (20 MiB) is page-aligned and an
   attach there succeeds at once; sizes <= 0 give NULL, EINVAL;
   mmalloc_errno is 0 on a fresh heap and the real errno after a failed
   growth (RLIMIT_FSIZE with SIGXFSZ ignored).
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <limits.h>
#include <sys/resource.h>
#include <mmalloc.h>
#include "attach-util.h"

#define PROG "findbase"

static const char *name;

static void
findbase (void)
{
  size_t ps = atu_pagesize ();
  void *b, *md;
  int fd;

  b = mmalloc_findbase (20 * 1024 * 1024);
  CHECK (b != NULL && (uintptr_t) b % ps == 0,
	 "findbase (20 MiB) is a page-aligned address (%p)", b);
  CHECK (atu_maps_overlap (b, 20 * ATU_MIB) == 0,
	 "nothing is mapped at the 20 MiB it returned");
  fd = atu_create (name);
  md = mmalloc_attach (fd, b);
  CHECK (md == b, "a file heap attaches at the findbase address right away");
  if (md != NULL)
    {
      char *p = mmalloc (md, 10 * ATU_MIB);
      CHECK (p != NULL && p >= (char *) b && p + 10 * ATU_MIB <= (char *) b + 20 * ATU_MIB,
	     "the heap grows to 10 MiB inside the 20 MiB");
      if (p != NULL)
	p[10 * ATU_MIB - 1] = 1;
      CHECK (mmalloc_errno (md) == 0, "mmalloc_errno is 0 on a heap that never failed");
      mmalloc_detach (md);
    }
  close (fd);
  unlink (name);

  b = mmalloc_findbase (1);
  md = b != NULL ? mmalloc_attach (-1, b) : NULL;
  CHECK (b != NULL && (uintptr_t) b % ps == 0 && md == b,
	 "findbase (1): an anonymous heap attaches there");
  if (md != NULL)
    mmalloc_detach (md);
  b = mmalloc_findbase (INT_MAX);
  CHECK (b != NULL && (uintptr_t) b % ps == 0, "findbase (INT_MAX) is page-aligned");

  errno = 0;
  CHECK (mmalloc_findbase (0) == NULL && errno == EINVAL, "findbase (0) -> NULL, EINVAL");
  errno = 0;
  CHECK (mmalloc_findbase (-1) == NULL && errno == EINVAL, "findbase (-1) -> NULL, EINVAL");
  errno = 0;
  CHECK (mmalloc_findbase (INT_MIN) == NULL && errno == EINVAL,
	 "findbase (INT_MIN) -> NULL, EINVAL");
}

/* Child: a file heap under RLIMIT_FSIZE of 2 MiB.  */
static int
fsize_limited (void *arg)
{
  struct rlimit rl = { 2 * ATU_MIB, 2 * ATU_MIB };
  int fd = atu_create (name);
  void *md;
  char *p;
  int n = 0, e, me;

  (void) arg;
  signal (SIGXFSZ, SIG_IGN);
  if (setrlimit (RLIMIT_FSIZE, &rl) != 0)
    return 2;
  md = mmalloc_attach (fd, NULL);
  if (!CHECK (md != NULL, "fsize: attach under RLIMIT_FSIZE 2 MiB"))
    return 1;
  CHECK (mmalloc_errno (md) == 0, "fsize: mmalloc_errno is 0 on the fresh heap");
  errno = 0;
  while ((p = mmalloc (md, 256 * 1024)) != NULL && n < 100)
    {
      memset (p, 1, 256 * 1024);
      n++;
    }
  e = errno;
  me = mmalloc_errno (md);
  CHECK (p == NULL && (e == ENOMEM || e == ENOSPC || e == EFBIG),
	 "fsize: allocation fails cleanly at the limit after %d blocks "
	 "(errno %d)", n, e);
  CHECK (me == EFBIG, "fsize: mmalloc_errno reports EFBIG (got %d: %s)",
	 me, strerror (me));
  CHECK (atu_fsize (fd) <= (off_t) (2 * ATU_MIB), "fsize: the file stays within the limit");
  CHECK (mmalloc (md, 100) != NULL, "fsize: small blocks still come from the heap");
  CHECK (mmalloc_check (md) == 0, "fsize: the heap is sound");
  mmalloc_detach (md);
  close (fd);
  return 0;
}

int
main (void)
{
  int st;

  name = atu_name (PROG, "heap");
  findbase ();
  CHECK (mmalloc_errno (NULL) >= 0, "mmalloc_errno (NULL) links and returns");
  st = atu_in_child (fsize_limited, NULL);
  CHECK (st == 0, "the RLIMIT_FSIZE child ended cleanly (%s)", atu_status (st));
  unlink (name);
  mmt_exit ();
}
