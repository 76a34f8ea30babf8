/* selftest-hang.c -- runner self-test: a program that never ends.

   The runner must kill it after its timeout (a few seconds in
   runner.exp) and report it as failed.  Its forked child sleeps too
   and must not outlive it.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include "mmtest.h"

int
main (void)
{
  pid_t pid;

  mmt_pass ("before hanging");
  pid = mmt_fork ();
  if (pid < 0)
    mmt_fatal ("fork: %s", strerror (errno));
  for (;;)
    pause ();
}
