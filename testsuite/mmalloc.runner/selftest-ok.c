/* selftest-ok.c -- runner self-test: a program that passes.

   Exercises every reporting helper of mmtest.h that must not count as a
   failure, including a forked child's results, and exits cleanly.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include "mmtest.h"

int
main (void)
{
  pid_t pid;

  mmt_note ("this line is a note, not a result");
  mmt_pass ("plain pass");
  CHECK (1 + 1 == 2, "CHECK with a true condition");
  mmt_xfail ("an expected failure is reported as XFAIL");

  /* The child's line must appear once, and the parent's buffered
     output must not be duplicated by the fork.  */
  printf ("unflushed text before fork\n");
  pid = mmt_fork ();
  if (pid < 0)
    mmt_fatal ("fork: %s", strerror (errno));
  if (pid == 0)
    {
      mmt_pass ("result from a forked child");
      mmt_child_exit (0);
    }
  CHECK (mmt_wait (pid) == 0, "forked child exited with status 0");
  mmt_exit ();
}
